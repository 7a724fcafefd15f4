namespace BatchKit;

/// <summary>Disposes a reader or writer that is being abandoned after a failure.</summary>
internal static class QuietDispose
{
    /// <summary>Disposes <paramref name="disposable"/>, ignoring a failure to close: the failure that caused the abandon is the one to report.</summary>
    public static async ValueTask DisposeAsync(IAsyncDisposable? disposable)
    {
        if (disposable is null)
        {
            return;
        }

        try
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a reader or writer that fails to close after a failure must not hide that failure
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
