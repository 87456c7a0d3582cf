using FocusSync.Api.Auth;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Client.Tests;

/// <summary>The live view against the real service: convergence, catching up, conflicts and token expiry.</summary>
public sealed class LiveViewTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan PastTokenExpiry = TimeSpan.FromHours(1) + AuthExtensions.ClockSkew + TimeSpan.FromSeconds(1);

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TwoLiveViewsOfOneUserConvergeOnEveryChange(Db db)
    {
        await using var app = await ClientKit.StartAppAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var server = ClientKit.RestClient(app, uid);
        await using var first = await ClientKit.ViewAsync(app, uid);
        await using var second = await ClientKit.ViewAsync(app, uid);

        var created = await first.CreateSessionAsync(NewSession.Countdown("write", TimeSpan.FromMinutes(25), 60), cancellationToken: Ct);
        await ClientKit.AssertEqualToServerAsync(server, first, second);
        var id = first.Sessions.Single().Id;
        Assert.True(id > 0 && created.Id < 0, "the view shows a local id until the server gives the session its own");

        var group = await server.CreateGroupAsync("work", cancellationToken: Ct);
        await first.EditSessionAsync(id, new SessionChanges(Title: "write the report", GroupId: group.Id), cancellationToken: Ct);
        await ClientKit.AssertEqualToServerAsync(server, first, second);

        await second.StartSessionAsync(id, cancellationToken: Ct);
        Assert.True(second.Sessions.Single().IsRunning, "the view applies its own action at once");
        await ClientKit.AssertEqualToServerAsync(server, first, second);

        var stopwatch = await server.CreateSessionAsync(NewSession.Stopwatch("read"), cancellationToken: Ct);
        await ClientKit.AssertEqualToServerAsync(server, first, second);
        await first.StartSessionAsync(stopwatch.Id, cancellationToken: Ct);
        await ClientKit.AssertEqualToServerAsync(server, first, second);
        Assert.Equal(["PAUSED", "RUNNING"], first.Sessions.Select(s => s.State));

        await server.UpdateSettingsAsync(new SettingsChanges(TimeZone: "Europe/Paris", SingleRunning: false), cancellationToken: Ct);
        await second.StartSessionAsync(id, cancellationToken: Ct);
        await ClientKit.AssertEqualToServerAsync(server, first, second);
        Assert.All(first.Sessions, s => Assert.True(s.IsRunning));

        await first.PauseSessionAsync(id, cancellationToken: Ct);
        await second.ResetAllAsync(cancellationToken: Ct);
        await server.DeleteGroupAsync(group.Id, cancellationToken: Ct);
        await ClientKit.AssertEqualToServerAsync(server, first, second);

        await second.DeleteSessionAsync(stopwatch.Id, cancellationToken: Ct);
        await ClientKit.AssertEqualToServerAsync(server, first, second);
        Assert.Equal([id], first.Sessions.Select(s => s.Id));
    }

    [Fact]
    public async Task AViewGivenAHubTransportFollowsAnInMemoryTestServer()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);
        var uid = FocusSyncApp.NewUserId();
        using var server = app.ClientFor(uid);
        await using var view = await app.ConnectViewAsync(uid);

        var session = await server.CreateSessionAsync();
        await server.StartAsync(session.Id);

        await view.UntilAsync(() => view.Sessions.SingleOrDefault()?.IsRunning == true, "the hub's events reach the view");
        Assert.Equal((ConnectionState.Connected, session.Id), (view.ConnectionState, view.Sessions.Single().Id));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AViewDisconnectedForAWhileCatchesUpFromTheFeedWithoutARefetch(Db db)
    {
        await using var app = await ClientKit.StartAppAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var server = ClientKit.RestClient(app, uid);
        var tokens = new SwitchableTokens(app, uid);
        var requests = new RecordingHandler();
        await using var view = FocusSyncView.Create(ClientKit.Options(app, tokens.Provide, handler: requests));
        await view.StartAsync(TestContext.Current.CancellationToken);
        var session = await server.CreateSessionAsync(NewSession.Countdown("long", TimeSpan.FromHours(5), 300), cancellationToken: Ct);
        await ClientKit.AssertEqualToServerAsync(server, view);

        tokens.Offline = true;
        app.Clock.Advance(PastTokenExpiry);
        await view.UntilAsync(() => view.ConnectionState != ConnectionState.Connected, "the server closes the expired connection");
        var loadedWith = requests.Requests.Count;
        await server.StartAsync(session.Id, cancellationToken: Ct);
        await server.CreateGroupAsync("while away", cancellationToken: Ct);
        await server.EditSessionAsync(session.Id, new SessionChanges(Title: "renamed while away"), cancellationToken: Ct);
        tokens.Offline = false;

        await ClientKit.AssertEqualToServerAsync(server, view);
        var since = requests.Requests.Skip(loadedWith).ToList();
        Assert.Contains("GET /changes", since);
        Assert.DoesNotContain("GET /sessions", since);
        Assert.Equal(["GET /sessions"], requests.Requests.Where(r => r == "GET /sessions"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AStaleViewsStopIsRefusedNotApplied(Db db)
    {
        await using var app = await ClientKit.StartAppAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var server = ClientKit.RestClient(app, uid);
        var tokens = new SwitchableTokens(app, uid);
        await using var view = FocusSyncView.Create(ClientKit.Options(app, tokens.Provide));
        var refusals = new List<OperationRefusedEventArgs>();
        view.OperationRefused += (_, e) => refusals.Add(e);
        await view.StartAsync(TestContext.Current.CancellationToken);
        var session = await server.CreateSessionAsync(NewSession.Countdown("deep work", TimeSpan.FromHours(5), 300), cancellationToken: Ct);
        await server.StartAsync(session.Id, cancellationToken: Ct);
        await ClientKit.AssertEqualToServerAsync(server, view);

        tokens.Offline = true;
        app.Clock.Advance(PastTokenExpiry);
        await view.UntilAsync(() => view.ConnectionState != ConnectionState.Connected, "the server closes the expired connection");
        await server.PauseAsync(session.Id, cancellationToken: Ct);
        var restarted = await server.StartAsync(session.Id, cancellationToken: Ct);
        await view.PauseSessionAsync(session.Id, cancellationToken: Ct);
        Assert.False(view.Sessions.Single().IsRunning, "the stale view shows its own stop until the server answers");
        tokens.Offline = false;

        await ClientKit.AssertEqualToServerAsync(server, view);
        var refusal = Assert.Single(refusals);
        Assert.Equal((OperationKind.Pause, 412), (refusal.Operation.Kind, refusal.Status));
        Assert.Equal((restarted.Version, "RUNNING"), (refusal.Current!.Version, refusal.Current.State));
        Assert.True(view.Sessions.Single().IsRunning, "the refused stop is not applied");
        Assert.Equal(restarted.RunStartedAtMs, (await server.GetSessionAsync(session.Id, cancellationToken: Ct)).RunStartedAtMs);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheTokenProviderIsAskedAgainWhenTheServerClosesAnExpiredConnection(Db db)
    {
        await using var app = await ClientKit.StartAppAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var server = ClientKit.RestClient(app, uid);
        var tokens = new SwitchableTokens(app, uid);
        await using var view = FocusSyncView.Create(ClientKit.Options(app, tokens.Provide));
        await view.StartAsync(TestContext.Current.CancellationToken);
        await ClientKit.AssertEqualToServerAsync(server, view);
        var callsBefore = tokens.Calls;

        app.Clock.Advance(PastTokenExpiry);
        await view.UntilAsync(() => tokens.Calls > callsBefore && view.ConnectionState == ConnectionState.Connected, "the view reconnects with a fresh token");
        await server.CreateGroupAsync("heard on the new connection", cancellationToken: Ct);

        await view.UntilAsync(() => view.Groups.Count == 1, "the view hears the change");
        await ClientKit.AssertEqualToServerAsync(server, view);
    }
}
