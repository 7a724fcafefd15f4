namespace BatchKit.Hosting;

/// <summary>The <see cref="IBatchJobInventory"/> built from the registrations and the state store.</summary>
internal sealed class BatchJobInventory(BatchKitJobCatalog catalog, ICheckpointStore store, TimeProvider time) : IBatchJobInventory
{
    public IReadOnlyList<string> JobNames => catalog.Registrations.Select(r => r.Name).ToList();

    public async ValueTask<IReadOnlyList<BatchJobInfo>> GetJobsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var jobs = new List<BatchJobInfo>();
        foreach (var entry in catalog.Entries)
        {
            var last = await store.ListRunsAsync(entry.Name, 1, cancellationToken).ConfigureAwait(false);
            var options = entry.Options;
            jobs.Add(new BatchJobInfo
            {
                Name = entry.Name,
                Cron = options.Cron,
                TimeZone = entry.TimeZone.Id,
                Enabled = options.Enabled,
                Misfire = options.Misfire,
                Priority = options.Priority,
                Sla = options.Sla,
                ReconcileWindow = options.ReconcileWindow,
                Description = options.Description,
                Input = options.Input,
                Output = options.Output,
                Stages = entry.Job.StageNames,
                NextRun = options.Enabled ? entry.Schedule?.GetNextOccurrence(now) : null,
                LastRun = last.Count > 0 ? last[0] : null,
            });
        }

        return jobs;
    }

    public Job GetJob(string name) => catalog.Get(name).Job;

    public RunParameters GetRunParameters(string name, DateTimeOffset occurrence) => catalog.Get(name).ParametersFor(occurrence);
}
