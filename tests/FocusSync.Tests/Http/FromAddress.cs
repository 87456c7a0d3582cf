using System.Net;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace FocusSync.Tests.Http;

/// <summary>What the service answered and what it took the caller to be.</summary>
internal sealed record Answer(int Status, string? RemoteAddress, string Scheme, string RetryAfter, string Body);

/// <summary>
/// Requests on a connection from a chosen address: the test server has no sockets, so the address is set on the
/// request as a real server would set it from the TCP connection.
/// </summary>
internal static class FromAddress
{
    public static async Task<Answer> GetFromAsync(
        this FocusSyncApp app, string path, string remoteAddress, string? forwardedFor = null, string? forwardedProto = null)
    {
        var context = await app.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = path;
            c.Connection.RemoteIpAddress = IPAddress.Parse(remoteAddress);
            if (forwardedFor is not null)
            {
                c.Request.Headers["X-Forwarded-For"] = forwardedFor;
            }

            if (forwardedProto is not null)
            {
                c.Request.Headers["X-Forwarded-Proto"] = forwardedProto;
            }
        });
        using var reader = new StreamReader(context.Response.Body);
        return new Answer(
            context.Response.StatusCode,
            context.Connection.RemoteIpAddress?.ToString(),
            context.Request.Scheme,
            context.Response.Headers.RetryAfter.ToString(),
            await reader.ReadToEndAsync());
    }
}
