using System.Collections.Concurrent;
using BatchKit;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace BulkEmail;

/// <summary>
/// Sends the campaign's emails through a pool of MailKit SMTP connections (an <see cref="SmtpClient"/> serves one send
/// at a time; each partition takes one from the pool). Each email's Message-ID is derived from its idempotency key
/// (itself derived from the RunKey, partition and recipient), so a repeated delivery is recognisable downstream.
/// </summary>
internal sealed class Mailer(string host, int port, string from) : IAsyncDisposable
{
    private readonly ConcurrentBag<SmtpClient> _idle = [];
    private long _sent;

    /// <summary>The emails this process sent.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public static string MessageId(string idempotencyKey) => $"{idempotencyKey}@bulkemail.batchkit";

    public async ValueTask SendAsync(Recipient recipient, string campaign, string idempotencyKey, CancellationToken cancellationToken)
    {
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(recipient.Address));
        message.Subject = $"{campaign}: hello, recipient {recipient.Number}";
        message.MessageId = MessageId(idempotencyKey);
        message.Headers.Add("X-BatchKit-Idempotency-Key", idempotencyKey);
        message.Body = new TextPart("plain") { Text = $"Campaign {campaign}.\nThis email was sent once to {recipient.Address}.\n" };

        SmtpClient client;
        try
        {
            client = await TakeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // No connection, so no email: the claim is released and a later attempt sends it.
            throw new EffectNotPerformedException($"cannot connect to the SMTP server {host}:{port}: {ex.Message}", ex);
        }

        try
        {
            await client.SendAsync(message, cancellationToken);
        }
        catch (SmtpCommandException ex)
        {
            // The server refused the envelope or the message: it did not accept the email.
            client.Dispose();
            throw new EffectNotPerformedException($"the SMTP server refused the email to {recipient.Address}: {ex.StatusCode} {ex.Message}", ex);
        }
        catch
        {
            // A broken connection or a timeout during DATA: the server may have queued the email. In doubt.
            client.Dispose();
            throw;
        }

        Interlocked.Increment(ref _sent);
        _idle.Add(client);
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var client))
        {
            try
            {
                await client.DisconnectAsync(quit: true);
            }
            catch (Exception ex) when (ex is IOException or ServiceNotConnectedException or SmtpProtocolException)
            {
                // The session is over either way.
            }

            client.Dispose();
        }
    }

    private async ValueTask<SmtpClient> TakeAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out var client))
        {
            if (client.IsConnected)
            {
                return client;
            }

            client.Dispose();
        }

        var created = new SmtpClient { Timeout = 30_000 };
        try
        {
            await created.ConnectAsync(host, port, SecureSocketOptions.None, cancellationToken);
            return created;
        }
        catch
        {
            created.Dispose();
            throw;
        }
    }
}
