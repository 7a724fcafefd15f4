using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace BatchKit.Dashboard.Tests;

public sealed class DashboardAccessTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.5", false)]
    [InlineData("192.168.1.20", false)]
    [InlineData("::ffff:10.0.0.5", false)]
    [InlineData("2001:db8::1", false)]
    public void IsLocalRequest_RemoteAddress_AllowsOnlyLoopback(string remote, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        context.Connection.LocalIpAddress = IPAddress.Loopback;
        context.Request.Headers.Host = "localhost";

        BatchKitDashboardAccess.IsLocalRequest(context).Should().Be(expected);
    }

    [Fact]
    public void IsLocalRequest_UnknownRemoteAddress_IsRefused()
    {
        BatchKitDashboardAccess.IsLocalRequest(new DefaultHttpContext()).Should().BeFalse();
    }

    [Fact]
    public void MapBatchKitDashboard_NoStoreRegistered_ThrowsNamingTheFix()
    {
        var app = WebApplication.CreateSlimBuilder().Build();

        var act = () => app.MapBatchKitDashboard("/batchkit");

        act.Should().Throw<InvalidOperationException>().WithMessage("*ICheckpointStore*AddBatchKit*");
    }
}
