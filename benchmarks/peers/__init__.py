"""What a user would write without secure_constructs, for the benchmarks to compare against."""
