using BatchKit;
using BatchKit.Testing;

namespace BatchKit.Tests.State;

public sealed class InMemoryCheckpointStoreContractTests : CheckpointStoreContract
{
    protected override ICheckpointStore CreateStore(TimeProvider timeProvider) => new InMemoryCheckpointStore(timeProvider);
}
