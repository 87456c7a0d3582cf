using System.Net;
using System.Text;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Client.Tests;

/// <summary>The typed REST client: refusals as typed exceptions, and the account endpoints.</summary>
public sealed class RestClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ARefusalIsATypedExceptionWithTheStatusTitleAndFieldErrors(Db db)
    {
        await using var app = await ClientKit.StartAppAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var client = ClientKit.RestClient(app, uid);

        var invalid = await Assert.ThrowsAsync<FocusSyncValidationException>(
            () => client.CreateSessionAsync(new NewSession("", 0, 60), cancellationToken: Ct));
        var session = await client.CreateSessionAsync(NewSession.Countdown("a", TimeSpan.FromMinutes(5), 10), cancellationToken: Ct);
        await client.StartAsync(session.Id, cancellationToken: Ct);
        var stale = await Assert.ThrowsAsync<FocusSyncConflictException>(
            () => client.PauseAsync(session.Id, new ActionTiming(BaseVersion: session.Version), cancellationToken: Ct));
        var missing = await Assert.ThrowsAsync<FocusSyncNotFoundException>(() => client.GetSessionAsync(session.Id + 1000, Ct));
        var gone = await Assert.ThrowsAsync<FocusSyncGoneException>(() => client.GetChangesAsync(1000, cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.NotNull(invalid.Title);
        Assert.Equal(["initialDuration", "title"], invalid.Errors.Keys.Order());
        Assert.Equal((HttpStatusCode.PreconditionFailed, 2, "RUNNING"), (stale.Status, stale.Current!.Version, stale.Current.State));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(HttpStatusCode.Gone, gone.Status);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EverySessionCommandRetriedWithItsIdempotencyKeyReplaysTheFirstAnswerAndActsOnce(Db db)
    {
        await using var app = await ClientKit.StartAppAsync(db);
        using var client = ClientKit.RestClient(app, FocusSyncApp.NewUserId());
        var id = (await client.CreateSessionAsync(NewSession.Countdown("a", TimeSpan.FromMinutes(5), 10), cancellationToken: Ct)).Id;
        var started = await client.StartAsync(id, idempotencyKey: "start", cancellationToken: Ct);
        var paused = await client.PauseAsync(id, idempotencyKey: "pause", cancellationToken: Ct);
        var reset = await client.ResetAsync(id, idempotencyKey: "reset", cancellationToken: Ct);
        var all = await client.ResetAllAsync(idempotencyKey: "reset-all", cancellationToken: Ct);
        var edited = await client.EditSessionAsync(id, new SessionChanges(Title: "renamed"), idempotencyKey: "edit", cancellationToken: Ct);
        await client.DeleteSessionAsync(id, idempotencyKey: "delete", cancellationToken: Ct);
        var seq = (await client.GetSessionsAsync(Ct)).Seq;

        // The session is gone: acting on it anew would be a 404 and a reset-all would reset nothing, so each answer
        // below can only be the stored first one.
        Assert.Equal(started, await client.StartAsync(id, idempotencyKey: "start", cancellationToken: Ct));
        Assert.Equal(paused, await client.PauseAsync(id, idempotencyKey: "pause", cancellationToken: Ct));
        Assert.Equal(reset, await client.ResetAsync(id, idempotencyKey: "reset", cancellationToken: Ct));
        Assert.Equal(all.Sessions, (await client.ResetAllAsync(idempotencyKey: "reset-all", cancellationToken: Ct)).Sessions);
        Assert.Equal(edited, await client.EditSessionAsync(id, new SessionChanges(Title: "renamed"), idempotencyKey: "edit", cancellationToken: Ct));
        await client.DeleteSessionAsync(id, idempotencyKey: "delete", cancellationToken: Ct);
        Assert.Equal(seq, (await client.GetSessionsAsync(Ct)).Seq);
    }

    [Fact]
    public async Task ExportAsksForCsvAsAZipAndCopiesTheBodyAndDeletingTheAccountIsADelete()
    {
        var handler = new AnsweringHandler();
        using var client = new FocusSyncClient(new Uri("http://focussync.test/"), _ => ValueTask.FromResult("token"), handler);
        using var zip = new MemoryStream();
        using var json = new MemoryStream();

        await client.ExportAsync(zip, ExportFormat.CsvZip, Ct);
        await client.ExportAsync(json, ExportFormat.Json, Ct);
        await client.DeleteAccountAsync(Ct);

        Assert.Equal(
            ["GET /me/export text/csv", "GET /me/export application/json", "DELETE /me "],
            handler.Requests);
        Assert.Equal("GET /me/export text/csv", Encoding.UTF8.GetString(zip.ToArray()));
        Assert.Equal("GET /me/export application/json", Encoding.UTF8.GetString(json.ToArray()));
    }

    /// <summary>
    /// Stands in for <c>GET /me/export</c> and <c>DELETE /me</c>, answering each request with the request itself, so
    /// the test sees exactly what the client sent (AccountTests runs the same calls against the real service).
    /// </summary>
    private sealed class AnsweringHandler : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("Bearer token", request.Headers.Authorization?.ToString());
            var seen = $"{request.Method} {request.RequestUri!.AbsolutePath} {string.Join(",", request.Headers.Accept)}";
            Requests.Add(seen);
            return Task.FromResult(request.Method == HttpMethod.Delete
                ? new HttpResponseMessage(HttpStatusCode.NoContent)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(seen) });
        }
    }
}
