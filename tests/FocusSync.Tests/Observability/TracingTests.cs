using System.Diagnostics;
using System.Net;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using FocusSync.Tests.Realtime;
using Microsoft.AspNetCore.Http.Connections;
using OpenTelemetry.Metrics;

namespace FocusSync.Tests.Observability;

[Collection(nameof(TelemetryCollection))]
public sealed class TracingTests
{
    private const string Title = "Thesis chapter 4b7e";
    private const string Email = "ada.observed@example.org";

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task OneStartIsOneTraceFromTheRequestThroughTheCommitToTheHubSendAndIsCounted(Db db)
    {
        var telemetry = new Telemetry();
        await using var app = await telemetry.StartAsync(db);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await user.CreateSessionIdAsync(Title, goalMinutes: 60);
        await using var hub = await app.ConnectHubAsync(user.Uid);
        var trace = ActivityTraceId.CreateRandom();

        using var start = new HttpRequestMessage(HttpMethod.Post, $"/sessions/{id}/actions/start");
        start.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        await user.SendAsync(start, TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("start", (await hub.NextAsync()).Type());
        var spans = await telemetry.TraceAsync(trace, s => s.DisplayName == "hub send", s => s.Kind == ActivityKind.Server);

        var request = Assert.Single(spans, s => s.Kind == ActivityKind.Server);
        Assert.Equal("POST /sessions/{id}/actions/start", request.DisplayName);
        var commit = Assert.Single(spans, s => s.Source.Name == "FocusSync" && s.DisplayName == "commit");
        var send = Assert.Single(spans, s => s.Source.Name == "FocusSync" && s.DisplayName == "hub send");
        Assert.True(Descends(commit, request, spans), "the commit is not part of the request's trace");
        Assert.True(Descends(send, request, spans), "the hub send is not part of the request's trace");
        Assert.False(Descends(send, commit, spans), "the hub send is inside the commit");
        Assert.Contains(spans, s => s.Source.Name.Contains("EntityFrameworkCore", StringComparison.Ordinal) && s.ParentSpanId == commit.SpanId);
        Assert.Equal(1, telemetry.Sum("focussync.actions", ("kind", "start"), ("result", "applied")));
        Assert.Equal(1, telemetry.Sum("focussync.events.published", ("type", "start")));
        Assert.Equal(1, Telemetry.Points(telemetry.Metrics()["focussync.events.publish_lag"], ("type", "start")).Sum(p => p.GetHistogramCount()));
    }

    [Fact]
    public async Task OnTheRedisBackplaneTheHubSendsPublishIsASpanOfTheRequestsTrace()
    {
        var telemetry = new Telemetry();
        await using var app = await telemetry.StartAsync(Db.Sqlite, new AppOptions
        {
            Settings = new Dictionary<string, string?>
            {
                ["Redis:Connection"] = TestServices.RequireRedis(),
                ["Redis:ChannelPrefix"] = "focussync-test-" + Guid.NewGuid().ToString("N"),
            },
        });
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await user.CreateSessionIdAsync();
        await using var hub = await app.ConnectHubAsync(user.Uid);
        var trace = ActivityTraceId.CreateRandom();

        using var start = new HttpRequestMessage(HttpMethod.Post, $"/sessions/{id}/actions/start");
        start.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        await user.SendAsync(start, TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("start", (await hub.NextAsync()).Type());
        var spans = await telemetry.TraceAsync(trace, s => s.Source.Name.Contains("StackExchangeRedis", StringComparison.Ordinal));

        var send = Assert.Single(spans, s => s.DisplayName == "hub send");
        Assert.Contains(spans, s => s.Source.Name.Contains("StackExchangeRedis", StringComparison.Ordinal) && Descends(s, send, spans));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ACompletionThatTheDueWorkJobPerformsRecordsHowLateItWas(Db db)
    {
        var telemetry = new Telemetry();
        await using var app = await telemetry.StartAsync(db);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await user.CreateSessionIdAsync(new NewSession("Short", 60, 10));
        await user.StartAsync(id);
        await using var hub = await app.ConnectHubAsync(user.Uid, tokenLifetime: HubClients.LongLivedTokens);

        // Five seconds past the target before the job can look: it performs the completion five seconds late.
        app.Clock.Advance(TimeSpan.FromSeconds(65));
        await EventDeliveryTests.AwaitWhileStepping(app, hub, TimeSpan.FromSeconds(1));
        Assert.Equal("complete", (await hub.NextAsync()).Type());

        var lag = Assert.Single(telemetry.Metrics()["focussync.due_work.lag"].MetricPoints);
        Assert.Equal(1, lag.GetHistogramCount());
        Assert.InRange(lag.GetHistogramSum(), 5.0, 6.0);
        var spans = await telemetry.SpansAsync(all => all.Any(s => s.DisplayName == "due work"));
        var job = Assert.Single(spans, s => s.Source.Name == "FocusSync" && s.DisplayName == "due work");
        Assert.Contains(spans, s => s.DisplayName == "commit" && s.ParentSpanId == job.SpanId);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task NoExportedAttributeCarriesTheTokenTheEmailOrTheTitle(Db db)
    {
        var telemetry = new Telemetry();
        await using var app = await telemetry.StartAsync(db);
        var uid = FocusSyncApp.NewUserId();
        var token = app.Tokens.Mint(uid, payload => payload["email"] = Email);
        using var user = app.ClientFor(uid, token);
        var id = await user.CreateSessionIdAsync(Title, goalMinutes: 60);
        await using var viaQuery = app.HubClientFor(() => null, HttpTransportType.LongPolling, "?access_token=" + token);
        await viaQuery.Connection.StartAsync(TestContext.Current.CancellationToken);
        await user.StartAsync(id);
        await user.EditSessionAsync(id, new SessionChanges(Title: Title + " (2)"));
        await user.Api.SyncAsync([new SyncOperation("k1", OperationKind.Pause, id)], TestContext.Current.CancellationToken);
        await user.ReadChangesAsync(0);
        await viaQuery.NextAsync(3);
        await telemetry.TraceAsync(telemetry.Spans.First(s => s.DisplayName.StartsWith("POST /sync", StringComparison.Ordinal)).TraceId,
            s => s.DisplayName == "hub send");

        var secrets = new[] { token, token.Split('.')[2], Email, Title };
        var texts = telemetry.Spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}")
                .Concat(s.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}")))
                .Append(s.DisplayName).Append(s.StatusDescription ?? ""))
            .Concat(telemetry.Metrics().Values.SelectMany(m => m.MetricPoints.SelectMany(p => Tags(p))))
            .ToList();
        Assert.Contains(texts, t => t.Contains("access_token", StringComparison.Ordinal));
        Assert.Contains(telemetry.AllMetrics, m => m.Name == "focussync.sync.operations");
        Assert.Contains(telemetry.AllMetrics, m => m.Name == "focussync.changes.reads");
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(texts, t => t.Contains(secret, StringComparison.Ordinal));
        }
    }

    private static IEnumerable<string> Tags(MetricPoint point)
    {
        foreach (var tag in point.Tags)
        {
            yield return $"{tag.Key}={tag.Value}";
        }
    }

    private static bool Descends(Activity span, Activity ancestor, IReadOnlyList<Activity> spans)
    {
        for (var parent = span.ParentSpanId; parent != default;)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }

            parent = spans.FirstOrDefault(s => s.SpanId == parent)?.ParentSpanId ?? default;
        }

        return false;
    }
}
