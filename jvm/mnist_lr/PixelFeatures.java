package mnist_lr;

import java.util.Arrays;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.api.java.UDF2;
import scala.collection.Iterator;
import scala.collection.Seq;

/**
 * The training features of one image in a single pass: each pixel times {@code scale}, as the
 * vector VectorAssembler would give (sparse or dense, whichever is smaller).
 *
 * <p>It computes exactly what the model's feature stages (PixelScaler, then VectorAssembler)
 * compute, without their per-pixel boxing into doubles and their two vector conversions. The
 * Python side registers it as {@code pixel_features(pixels, scale)}.
 */
public final class PixelFeatures implements UDF2<Seq<Integer>, Double, Vector> {
  private static final long serialVersionUID = 1L;

  @Override
  public Vector call(Seq<Integer> pixels, Double scale) {
    int size = pixels.length();
    int[] indices = new int[size];
    double[] values = new double[size];
    int nonZeros = 0;
    Iterator<Integer> it = pixels.iterator();
    for (int i = 0; i < size; i++) {
      Integer pixel = it.next();
      if (pixel == null) {
        throw new IllegalArgumentException("image has no value at pixel " + i);
      }
      if (pixel != 0) {
        indices[nonZeros] = i;
        values[nonZeros] = pixel * scale;
        nonZeros++;
      }
    }
    return Vectors.sparse(
            size, Arrays.copyOf(indices, nonZeros), Arrays.copyOf(values, nonZeros))
        .compressed();
  }
}
