namespace BatchKit;

/// <summary>The first step of a job definition: choose the source.</summary>
public sealed class JobBuilder
{
    private readonly string _name;

    internal JobBuilder(string name) => _name = name;

    /// <summary>Sets the source the job reads.</summary>
    /// <typeparam name="T">The record type.</typeparam>
    /// <param name="source">The source.</param>
    /// <returns>A builder for the rest of the job.</returns>
    public JobBuilder<T> ReadFrom<T>(ISource<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var draft = new JobDraft(_name);
        draft.Source = new SourceDefinition<T>(source);
        return new JobBuilder<T>(draft);
    }
}
