using BatchKit;

namespace BatchKit.Tests.State;

public sealed class InMemoryCheckpointStoreTests : CheckpointStoreContractTests
{
    protected override ICheckpointStore CreateStore(TimeProvider timeProvider) => new InMemoryCheckpointStore(timeProvider);
}
