package mnist_lr;

/**
 * An input file that cannot be read as MNIST digits, found on an executor.
 *
 * <p>The JVM's twin of Python's {@code mnist_lr.errors.InputError}: the message names the file
 * and the problem, and the jobs report it as one line (their {@code cli.as_user_error} finds
 * {@code mnist_lr.InputError: <message>} in Spark's task failure).
 */
public final class InputError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InputError(String message) {
    super(message);
  }
}
