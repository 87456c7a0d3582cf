using FocusSync.Tests.Infrastructure;

namespace FocusSync.Cli.Tests;

/// <summary>Signing in, and the commands that read and change sessions, against the real service.</summary>
public sealed class SessionCommandTests : IDisposable
{
    private readonly Person _person = new();

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task SigningInWithAFirebaseTokenThenAddingAndStartingASessionListsItRunning(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true });
        var uid = FocusSyncApp.NewUserId();

        var login = await _person.OkAsync("login", "--server", app.Address.ToString(), "--token", app.Tokens.Mint(uid));
        await _person.OkAsync("add", "Write", "--duration", "25:00", "--goal", "90");
        await _person.OkAsync("start", "Write");
        var list = await _person.OkAsync("list");

        Assert.Contains($"({uid})", login.Out, StringComparison.Ordinal);
        Assert.Equal(["1", "Write", "RUNNING", "25:00", "0:00", "90m"], CliKit.RowOf(list.Out, "Write"));
        using var server = CliKit.RestClient(app, uid);
        var session = Assert.Single((await server.GetSessionsAsync(TestContext.Current.CancellationToken)).Sessions);
        Assert.Equal(("Write", "RUNNING", 1500, 90), (session.Title, session.State, session.InitialDuration, session.DailyGoalMinutes));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_person.ConfigDirectory, "config.json")));
        }
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ASessionIsNamedByIdOrByItsTitleInAnyCaseAndAnAmbiguousTitleNamesTheIdsToChooseFrom(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true, SignIn = SignIn.Development });
        await _person.OkAsync("login", "--server", app.Address.ToString(), "--dev", "ada");
        await _person.OkAsync("add", "Write");
        await _person.OkAsync("add", "Read", "--no-goal");
        await _person.OkAsync("add", "WRITE");

        var byTitle = await _person.OkAsync("start", "read");
        var ambiguous = await _person.RunAsync("pause", "write");
        var unknown = await _person.RunAsync("reset", "Sleep");
        var byId = await _person.OkAsync("start", "3");

        Assert.Equal("RUNNING", CliKit.RowOf(byTitle.Out, "Read")[2]);
        Assert.Equal(ExitCodes.Refused, ambiguous.ExitCode);
        Assert.Contains("2 sessions are titled 'write' (ids 1, 3)", ambiguous.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, unknown.ExitCode);
        Assert.Contains("no session has the id or title 'Sleep'", unknown.Error, StringComparison.Ordinal);
        Assert.Equal("RUNNING", CliKit.RowOf(byId.Out, "WRITE")[2]);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EditChangesTitleDurationGoalAndGroupAndABadValueNamesItsOption(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true });
        var uid = FocusSyncApp.NewUserId();
        using var server = CliKit.RestClient(app, uid);
        await _person.OkAsync("login", "--server", app.Address.ToString(), "--token", app.Tokens.Mint(uid));
        var group = await server.CreateGroupAsync("Work", cancellationToken: TestContext.Current.CancellationToken);
        await _person.OkAsync("add", "Write");

        var edited = await _person.OkAsync("edit", "Write", "--title", "Draft", "--duration", "1:30:00", "--goal", "120", "--group", "work");
        var badDuration = await _person.RunAsync("edit", "Draft", "--duration", "25:99");
        var badGoal = await _person.RunAsync("edit", "Draft", "--goal", "2000");
        var nothing = await _person.RunAsync("edit", "Draft");
        var ungrouped = await _person.OkAsync("edit", "Draft", "--group", "none");
        var deleted = await _person.OkAsync("delete", "Draft");

        Assert.Equal(["1", "Draft", "PAUSED", "1:30:00", "0:00", "120m", "Work"], CliKit.RowOf(edited.Out, "Draft"));
        Assert.Equal((ExitCodes.Refused, true), (badDuration.ExitCode, badDuration.Error.StartsWith("--duration:", StringComparison.Ordinal)));
        Assert.Equal((ExitCodes.Refused, true), (badGoal.ExitCode, badGoal.Error.StartsWith("--goal:", StringComparison.Ordinal)));
        Assert.Equal(ExitCodes.Usage, nothing.ExitCode);
        Assert.Equal(["1", "Draft", "PAUSED", "1:30:00", "0:00", "120m"], CliKit.RowOf(ungrouped.Out, "Draft"));
        Assert.Contains("deleted 1 'Draft'", deleted.Out, StringComparison.Ordinal);
        Assert.Empty((await server.GetSessionsAsync(TestContext.Current.CancellationToken)).Sessions);
        Assert.Equal(group.Id, Assert.Single(await server.GetGroupsAsync(TestContext.Current.CancellationToken)).Id);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnExpiredFirebaseTokenIsRefusedWithTheAdviceToSignInAgain(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true });
        await _person.OkAsync("login", "--server", app.Address.ToString(), "--token", app.Tokens.Mint(FocusSyncApp.NewUserId()));
        await _person.OkAsync("add", "Write");

        app.Clock.Advance(TimeSpan.FromHours(2));
        var list = await _person.RunAsync("list");

        Assert.Equal(ExitCodes.Refused, list.ExitCode);
        Assert.Contains("run focussync login again", list.Error, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ADevelopmentSignInGetsAFreshTokenWhenTheServerNoLongerTakesItsOld(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var options = new AppOptions { RealSockets = true, SignIn = SignIn.Development };
        var before = FocusSyncApp.Start(database, options);
        await _person.OkAsync("login", "--server", before.Address.ToString(), "--dev", "ada");
        await _person.OkAsync("add", "Write");
        var port = before.Address.Port;
        await before.DisposeAsync();

        // A development server signs with a new key at each start: the old token is worthless to the new one.
        await using var after = FocusSyncApp.Start(database, options with { Port = port });
        var list = await _person.OkAsync("list");

        Assert.Equal("PAUSED", CliKit.RowOf(list.Out, "Write")[2]);
    }

    [Fact]
    public async Task AnUnknownCommandIsAUsageErrorAndACommandBeforeSigningInSaysHowToSignIn()
    {
        var unknown = await _person.RunAsync("begin", "Write");
        var missing = await _person.RunAsync("start");
        var signedOut = await _person.RunAsync("list");

        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
        Assert.Equal(ExitCodes.Usage, missing.ExitCode);
        Assert.Equal(ExitCodes.Refused, signedOut.ExitCode);
        Assert.Contains("focussync login", signedOut.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _person.Dispose();
}
