"""MNIST two-digit logistic regression on Spark MLlib: readers, pipeline, published runs."""
