package mnist_lr;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Reads an MNIST IDX images file, and its labels file, into the canonical dataset's rows
 * ({@code image_id}, {@code label}, {@code pixels}) on the executors, through Hadoop's file
 * systems.
 *
 * <p>The file is cut into slices of rows, one task each: slice {@code k} of {@code n} holds
 * rows {@code count*k/n} up to the next slice's first row. A task streams its slice and keeps
 * one row at a time, so no task holds a whole file and no shuffle follows. A raw file is sought
 * to the slice's first row; gzip cannot be: the task decompresses and drops the rows before it,
 * from the start of the file or from where a slice before it ended in the same JVM ({@link
 * ParkedStreams}).
 * The driver has read and checked both headers; the tasks check the files' lengths and the
 * labels' values, and throw {@link InputError} naming the file, with the messages of Python's
 * {@code mnist_lr.idx}.
 *
 * <p>The whole read stays in the JVM: reading with Python's workers cost their start-up, which
 * no other part of training needs.
 */
public final class IdxReader {
  private static final int LABELS_HEADER_BYTES = 8;
  private static final int BUFFER_BYTES = 1 << 16;

  private IdxReader() {}

  /**
   * The rows of one images file as a DataFrame of {@code schema}, the canonical schema.
   *
   * @param source the {@code image_id} prefix: row {@code i} is {@code source:i}
   * @param imagesLength the images file's size in bytes, as the driver listed it
   * @param labelsPath the labels file, or null for unlabeled images (null labels)
   * @param count the images (and labels) the headers say, at most {@code Integer.MAX_VALUE - 8}
   *     (the labels are held in one array)
   * @param keepLabels the labels of the rows to keep, or null for every row
   */
  public static Dataset<Row> read(
      SparkSession spark,
      String schemaJson,
      String source,
      String imagesPath,
      long imagesLength,
      String labelsPath,
      long labelsLength,
      long count,
      int itemSize,
      int headerBytes,
      int slices,
      List<Integer> keepLabels) {
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> hadoop =
        context.broadcast(new SerializableConfiguration(context.hadoopConfiguration()));
    boolean[] kept = keptLabels(keepLabels, labelsPath != null);
    Slicing slicing =
        new Slicing(
            UUID.randomUUID().toString(), source, imagesPath, imagesLength, labelsPath,
            labelsLength, count, itemSize, headerBytes);
    List<Integer> numbers = new ArrayList<>(slices);
    for (int k = 0; k < slices; k++) {
      numbers.add(k);
    }
    JavaRDD<InternalRow> rows =
        context
            .parallelize(numbers, slices)
            .mapPartitions(
                (Iterator<Integer> slice) -> {
                  if (!slice.hasNext()) {
                    return Collections.emptyIterator();
                  }
                  return slicing.rows(slice.next(), slices, kept, hadoop.value().value());
                });
    StructType schema = (StructType) DataType.fromJson(schemaJson);
    // Spark's own readers make DataFrames of internal rows this way; the row's values are
    // Spark's internal ones (UTF8String, an UnsafeArrayData of the pixels), not boxed per pixel.
    return ((org.apache.spark.sql.classic.SparkSession) spark)
        .internalCreateDataFrame(rows.rdd(), schema, false);
  }

  private static boolean[] keptLabels(List<Integer> keepLabels, boolean labelled) {
    boolean[] kept = new boolean[256];
    for (int label = 0; label < kept.length; label++) {
      kept[label] = keepLabels == null || !labelled || keepLabels.contains(label);
    }
    return kept;
  }

  /**
   * What a task needs to read its slice; sent to the executors with the task.
   *
   * @param read this read's own id: a stream parked by one of its slices is taken only by
   *     another of its slices, never by a later read (a later {@code read} call) of a file that
   *     may have changed since
   */
  private record Slicing(
      String read,
      String source,
      String imagesPath,
      long imagesLength,
      String labelsPath,
      long labelsLength,
      long count,
      int itemSize,
      int headerBytes)
      implements java.io.Serializable {

    Iterator<InternalRow> rows(int slice, int slices, boolean[] kept, Configuration hadoop)
        throws IOException {
      long start = count * slice / slices;
      long stop = count * (slice + 1) / slices;
      byte[] labels = labelsPath == null ? null : readLabels(hadoop);
      Opened images = openImages(hadoop, headerBytes + start * itemSize);
      TaskContext task = TaskContext.get();
      SliceRows rows = new SliceRows(this, images, labels, kept, start, stop, task);
      if (task != null) {
        task.addTaskCompletionListener((TaskCompletionListener) context -> rows.close());
      }
      return rows;
    }

    /** The labels file's values, checked: as many as the header says, each 0..9. */
    private byte[] readLabels(Configuration hadoop) throws IOException {
      try (InputStream in = open(labelsPath, labelsLength, hadoop, LABELS_HEADER_BYTES).stream()) {
        byte[] values = readUpTo(in, labelsPath, Math.toIntExact(count));
        if (values.length < count) {
          throw lengthError(labelsPath, count, 1, values.length);
        }
        long extra = skipUpTo(in, labelsPath, Long.MAX_VALUE);
        if (extra > 0) {
          throw lengthError(labelsPath, count, 1, count + extra);
        }
        for (int i = 0; i < values.length; i++) {
          if ((values[i] & 0xff) > 9) {
            throw new InputError(
                labelsPath + ": label " + (values[i] & 0xff) + " at index " + i
                    + " is outside 0..9");
          }
        }
        return values;
      }
    }

    /** The images file's uncompressed bytes from {@code offset} on, resuming a parked stream. */
    private Opened openImages(Configuration hadoop, long offset) throws IOException {
      ParkedStreams.Parked parked = ParkedStreams.take(read, offset);
      if (parked == null) {
        return open(imagesPath, imagesLength, hadoop, offset);
      }
      try {
        long skipped = skipUpTo(parked.stream(), imagesPath, offset - parked.position());
        if (parked.position() + skipped < offset) {
          throw truncatedBefore(imagesPath, parked.position() + skipped);
        }
        return new Opened(parked.stream(), true);
      } catch (RuntimeException error) {
        closeQuietly(parked.stream());
        throw error;
      }
    }

    /**
     * The file's uncompressed bytes from {@code offset} on. A raw file is sought there; gzip
     * (told by its magic number, whatever the name) is decompressed, and the bytes before the
     * offset dropped.
     */
    private Opened open(String uri, long length, Configuration hadoop, long offset)
        throws IOException {
      Path path = new Path(uri);
      FSDataInputStream raw = path.getFileSystem(hadoop).open(path, BUFFER_BYTES);
      InputStream in = raw;
      try {
        // Peeked through a buffer, not by seeking back: a backward seek makes S3A read the rest
        // of the file in random-access mode.
        BufferedInputStream peek = new BufferedInputStream(raw, BUFFER_BYTES);
        peek.mark(2);
        boolean gzip = peek.read() == 0x1f && peek.read() == 0x8b;
        peek.reset();
        if (!gzip) {
          if (length < offset) {
            throw truncatedBefore(uri, length);
          }
          raw.seek(offset);
          return new Opened(new BufferedInputStream(raw, BUFFER_BYTES), false);
        }
        in = new BufferedInputStream(gunzip(peek, uri), BUFFER_BYTES);
        long skipped = skipUpTo(in, uri, offset);
        if (skipped < offset) {
          throw truncatedBefore(uri, skipped);
        }
        return new Opened(in, true);
      } catch (IOException | RuntimeException error) {
        closeQuietly(in);
        throw error;
      }
    }

    private InputStream gunzip(InputStream raw, String uri) {
      try {
        return new GZIPInputStream(raw, BUFFER_BYTES);
      } catch (IOException error) {
        throw failure(uri, error);
      }
    }

    /** The images file ends before the slice's first row. */
    private InputError truncatedBefore(String uri, long held) {
      boolean labels = uri.equals(labelsPath);
      int header = labels ? LABELS_HEADER_BYTES : headerBytes;
      return lengthError(uri, count, labels ? 1 : itemSize, Math.max(held - header, 0));
    }
  }

  /** The rows of one slice, read one at a time; closes the file at its end. */
  private static final class SliceRows implements Iterator<InternalRow>, AutoCloseable {
    private final Slicing slicing;
    private final InputStream images;
    private final boolean gzip;
    private final byte[] labels;
    private final boolean[] kept;
    private final long stop;
    private final byte[] row;
    private final TaskContext task;
    private long next;
    private volatile boolean closed; // also read by the task completion listener's thread
    private InternalRow pending;

    SliceRows(
        Slicing slicing,
        Opened images,
        byte[] labels,
        boolean[] kept,
        long start,
        long stop,
        TaskContext task) {
      this.slicing = slicing;
      this.task = task;
      this.images = images.stream();
      this.gzip = images.gzip();
      this.labels = labels;
      this.kept = kept;
      this.next = start;
      this.stop = stop;
      this.row = new byte[slicing.itemSize()];
    }

    @Override
    public boolean hasNext() {
      while (pending == null && next < stop) {
        if (task != null) {
          task.killTaskIfInterrupted(); // a cancelled job (a failed sibling task, Ctrl-C)
        }
        pending = readRow(next++);
      }
      if (pending == null && !closed) {
        finish();
      }
      return pending != null;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      InternalRow result = pending;
      pending = null;
      return result;
    }

    /** Row {@code index}, or null when its label is not kept. */
    private InternalRow readRow(long index) {
      String path = slicing.imagesPath();
      int held = readFully(images, path, row);
      if (held < row.length) {
        throw lengthError(path, slicing.count(), row.length, index * row.length + held);
      }
      Integer label = labels == null ? null : labels[(int) index] & 0xff;
      if (label != null && !kept[label]) {
        return null;
      }
      int[] pixels = new int[row.length];
      for (int i = 0; i < row.length; i++) {
        pixels[i] = row[i] & 0xff;
      }
      return new GenericInternalRow(
          new Object[] {
            UTF8String.fromString(slicing.source() + ":" + index),
            label,
            UnsafeArrayData.fromPrimitiveArray(pixels)
          });
    }

    /**
     * The slice that ends the file checks that nothing follows its last row; a gzip stream that
     * stops before the end is parked where the next slice starts.
     */
    private void finish() {
      long size = slicing.itemSize();
      if (stop < slicing.count()) {
        if (gzip) {
          closed = true;
          ParkedStreams.park(slicing.read(), slicing.headerBytes() + stop * size, images);
        } else {
          close();
        }
        return;
      }
      String path = slicing.imagesPath();
      long extra = skipUpTo(images, path, Long.MAX_VALUE);
      close();
      ParkedStreams.closeAll(slicing.read());
      if (extra > 0) {
        throw lengthError(path, slicing.count(), size, slicing.count() * size + extra);
      }
    }

    /** Quiet: an error in closing a file that was only read must not hide the task's own. */
    @Override
    public void close() {
      if (!closed) {
        closed = true;
        closeQuietly(images);
      }
    }
  }

  /** A file's uncompressed bytes from some offset on, and whether they are decompressed. */
  private record Opened(InputStream stream, boolean gzip) {}

  /**
   * Gzip streams that a finished slice left where the next slice starts, kept in the JVM for a
   * later task of the same read to resume instead of decompressing the file from its first byte.
   * With {@code n} slices, reading each from the start decompresses the file about {@code n/2}
   * times; resuming, about as many times as the JVM runs tasks at once.
   *
   * <p>The slice that ends the file closes the streams its read has parked by then: slices start
   * in order, so no slice of that read is left to take them (a retried one opens the file anew).
   * A stream parked later (by a slice that ends after the last one), or by a read that stops
   * early (a cancelled job), stays parked: at most {@link #MAX_PARKED} are kept in all, and the
   * oldest is closed to make room.
   */
  private static final class ParkedStreams {
    private static final int MAX_PARKED =
        Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
    private static final List<Parked> PARKED = new ArrayList<>();

    record Parked(String read, long position, InputStream stream) {}

    private ParkedStreams() {}

    /** The parked stream of {@code read} nearest before {@code offset}, or null; it is removed. */
    static Parked take(String read, long offset) {
      synchronized (PARKED) {
        Parked nearest = null;
        for (Parked parked : PARKED) {
          boolean before = parked.read().equals(read) && parked.position() <= offset;
          if (before && (nearest == null || parked.position() > nearest.position())) {
            nearest = parked;
          }
        }
        PARKED.remove(nearest);
        return nearest;
      }
    }

    /** Closes the streams {@code read} has parked. */
    static void closeAll(String read) {
      List<Parked> closing = new ArrayList<>();
      synchronized (PARKED) {
        for (Iterator<Parked> it = PARKED.iterator(); it.hasNext(); ) {
          Parked parked = it.next();
          if (parked.read().equals(read)) {
            closing.add(parked);
            it.remove();
          }
        }
      }
      closing.forEach(parked -> closeQuietly(parked.stream()));
    }

    static void park(String read, long position, InputStream stream) {
      Parked evicted = null;
      synchronized (PARKED) {
        PARKED.add(new Parked(read, position, stream));
        if (PARKED.size() > MAX_PARKED) {
          evicted = PARKED.remove(0);
        }
      }
      if (evicted != null) {
        closeQuietly(evicted.stream());
      }
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException error) {
      // Nothing was written; the task's outcome does not depend on it.
    }
  }

  /** Fills {@code buffer} as far as the stream goes; returns how many bytes it holds. */
  private static int readFully(InputStream in, String uri, byte[] buffer) {
    return reading(uri, () -> in.readNBytes(buffer, 0, buffer.length));
  }

  /** Up to {@code size} bytes; the buffer grows with what the file holds, not with its header. */
  private static byte[] readUpTo(InputStream in, String uri, int size) {
    return reading(uri, () -> in.readNBytes(size));
  }

  /** Reads and drops up to {@code size} bytes; returns how many there were. */
  private static long skipUpTo(InputStream in, String uri, long size) {
    byte[] buffer = new byte[BUFFER_BYTES];
    return reading(
        uri,
        () -> {
          long skipped = 0;
          int read = 0;
          while (skipped < size && read >= 0) {
            read = in.read(buffer, 0, (int) Math.min(buffer.length, size - skipped));
            skipped += Math.max(read, 0);
          }
          return skipped;
        });
  }

  /** A read of {@code uri}'s stream. */
  @FunctionalInterface
  private interface Read<T> {
    T run() throws IOException;
  }

  private static <T> T reading(String uri, Read<T> read) {
    try {
      return read.run();
    } catch (IOException error) {
      throw failure(uri, error);
    }
  }

  /** A gzip stream's error names the file; other IO errors (the file system's) stay as they are. */
  private static RuntimeException failure(String uri, IOException error) {
    if (error instanceof ZipException || error instanceof EOFException) {
      return corrupt(uri, error);
    }
    return new UncheckedIOException(uri + ": " + error.getMessage(), error);
  }

  private static InputError corrupt(String uri, IOException error) {
    return new InputError(uri + ": corrupt gzip data (" + error.getMessage() + ")");
  }

  private static InputError lengthError(String uri, long count, long itemSize, long held) {
    long expected = count * itemSize;
    String problem = held < expected ? "truncated" : "longer than its header says";
    return new InputError(
        uri + ": " + problem + ": header says " + count + " items of " + itemSize
            + " bytes (" + expected + " bytes of data), the file holds " + held);
  }
}
