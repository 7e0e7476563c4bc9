// Torch's random generator is process-global: test classes that seed it and then draw weights or
// batches race each other when xunit runs classes in parallel, and "same seed, same result" checks
// fail at random. The torch tests run one class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
