namespace BatchKit;

/// <summary>Describes the run whose partitions are being planned.</summary>
/// <param name="RunKey">The run.</param>
public sealed record PartitionPlanContext(RunKey RunKey)
{
    /// <summary>Gets the run parameters.</summary>
    public RunParameters Parameters => RunKey.Parameters;
}
