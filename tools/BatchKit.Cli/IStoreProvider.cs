namespace BatchKit.Cli;

/// <summary>One kind of state store.</summary>
internal interface IStoreProvider
{
    bool Recognizes(string store);

    Task<ICheckpointStore> OpenAsync(string store, string? schema, CancellationToken cancellationToken);
}
