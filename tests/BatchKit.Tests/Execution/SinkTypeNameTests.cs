using BatchKit.Tests.Support;

namespace BatchKit.Tests.Execution;

/// <summary>The plan's definition names the sink type, including types whose generic name carries no arity.</summary>
public sealed class SinkTypeNameTests
{
    [Fact]
    public async Task RunAsync_SinkNestedInGenericType_CompletesAndNamesTheSink()
    {
        await using var store = new InMemoryCheckpointStore();
        var inner = new CollectingSink<Item>();
        var job = Job.Create("nested-sink")
            .ReadFrom(EnumerableSource<Item>.FromList(Items.Create(10)))
            .WriteTo(new Outer<Item>.NestedSink(inner))
            .UseCheckpointStore(store)
            .Build();

        var result = await new JobRunner(job).RunAsync(RunParameters.Empty);

        result.Exception.Should().BeNull();
        result.Status.Should().Be(RunStatus.Completed);
        inner.Records.Should().HaveCount(10);
    }

    private static class Outer<T>
    {
        // Generic through its declaring type: Type.Name is "NestedSink", without the "`1" of a generic type's name.
        public sealed class NestedSink(ISink<T> inner) : ISink<T>
        {
            public WriteDisposition Disposition => inner.Disposition;

            public ValueTask<ISinkWriter<T>> OpenAsync(SinkContext context, CancellationToken cancellationToken) => inner.OpenAsync(context, cancellationToken);
        }
    }
}
