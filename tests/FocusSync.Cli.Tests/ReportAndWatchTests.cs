using FocusSync.Tests.Infrastructure;

namespace FocusSync.Cli.Tests;

/// <summary>The report of a period as a table and as CSV, and the live table of <c>watch</c>.</summary>
public sealed class ReportAndWatchTests : IDisposable
{
    private readonly Person _person = new();

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheReportShowsTheTimeSpentPerSessionAsATableAndAsCsv(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true });
        await _person.OkAsync("login", "--server", app.Address.ToString(), "--token", app.Tokens.Mint(FocusSyncApp.NewUserId()));
        await _person.OkAsync("add", "Write, edit", "--goal", "10");
        await _person.OkAsync("start", "Write, edit");
        app.Clock.Advance(TimeSpan.FromMinutes(12));
        await _person.OkAsync("pause", "1");

        var table = await _person.OkAsync("report", "--period", "daily", "--from", "2026-06-01", "--to", "2026-06-01");
        var csv = await _person.OkAsync("report", "--from", "2026-06-01", "--to", "2026-06-01", "--csv");
        var badDate = await _person.RunAsync("report", "--from", "1 June");
        var badRange = await _person.RunAsync("report", "--from", "2026-06-02", "--to", "2026-06-01");

        Assert.Equal(["2026-06-01", "Write, edit", "12:00", "10m", "yes"], CliKit.RowOf(table.Out, "Write, edit"));
        Assert.Contains(["all", "12:00"], CliKit.Rows(table.Out));
        Assert.Equal(
            "start,end,sessionId,title,seconds,goalMinutes,goalMet\r\n2026-06-01,2026-06-01,1,\"Write, edit\",720,10,true\r\n",
            csv.Out);
        Assert.Equal(ExitCodes.Refused, badDate.ExitCode);
        Assert.StartsWith("--from:", badDate.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, badRange.ExitCode);
        Assert.StartsWith("--from:", badRange.Error, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task WatchShowsAChangeMadeByAnotherClientWhileItRunsAndEndsCleanlyOnCtrlC(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true });
        var uid = FocusSyncApp.NewUserId();
        await _person.OkAsync("login", "--server", app.Address.ToString(), "--token", app.Tokens.Mint(uid));
        await _person.OkAsync("add", "Write");
        using var output = new LiveWriter();
        using var ctrlC = new CancellationTokenSource(Person.Timeout);

        var watch = FocusSyncCli.RunAsync(["watch"], new CliContext(output, TextWriter.Null, _person.ConfigDirectory, Ansi: false), cancellationToken: ctrlC.Token);
        await output.UntilAsync(text => text.Contains(" live ", StringComparison.Ordinal) && text.Contains("Write", StringComparison.Ordinal), "watch shows the session live");
        using var otherDevice = CliKit.RestClient(app, uid);
        await otherDevice.StartAsync(1, cancellationToken: TestContext.Current.CancellationToken);
        await output.UntilAsync(text => text.Contains("RUNNING", StringComparison.Ordinal), "watch shows the start of the other device");
        await ctrlC.CancelAsync();

        Assert.Equal(ExitCodes.Ok, await watch);
        var frames = output.Text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("PAUSED", CliKit.RowOf(frames.First(f => f.Contains(" live ", StringComparison.Ordinal)), "Write")[2]);
        Assert.Equal("RUNNING", CliKit.RowOf(frames[^1], "Write")[2]);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task WatchForAGivenTimeStopsByItself(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true });
        await _person.OkAsync("login", "--server", app.Address.ToString(), "--token", app.Tokens.Mint(FocusSyncApp.NewUserId()));
        await _person.OkAsync("add", "Write");

        var watch = await _person.OkAsync("watch", "--for", "1s");

        Assert.StartsWith("focussync watch  " + app.Address, watch.Out, StringComparison.Ordinal);
    }

    public void Dispose() => _person.Dispose();
}
