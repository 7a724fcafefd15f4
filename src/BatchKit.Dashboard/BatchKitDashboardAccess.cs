using System.Net;
using Microsoft.AspNetCore.Http;

namespace BatchKit.Dashboard;

/// <summary>The access rule the dashboard applies when the host names no authorization policy.</summary>
public static class BatchKitDashboardAccess
{
    /// <summary>Tells whether a request comes from the machine itself (a loopback remote address).</summary>
    /// <param name="context">The request.</param>
    /// <returns>
    /// <see langword="true"/> when the connection's remote address is a loopback address (127.0.0.0/8, ::1, or an IPv4
    /// loopback address mapped to IPv6); <see langword="false"/> for any other address and when the remote address is
    /// unknown.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Only the connection is looked at, never headers such as <c>Host</c> or <c>X-Forwarded-For</c>: behind a reverse
    /// proxy on the same machine every request looks local, so a host behind a proxy must name an authorization policy.
    /// </remarks>
    public static bool IsLocalRequest(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null)
        {
            return false;
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        return IPAddress.IsLoopback(remote);
    }
}
