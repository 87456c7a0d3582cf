using System.Diagnostics;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Cli.Tests;

/// <summary>The built tool as a process of its own, as a person or a script runs it.</summary>
public sealed class ToolProcessTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("focussync-home-").FullName;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheToolSignsInAddsStartsAndWatchesUntilStoppedKeepingItsConfigUnderXdgConfigHome(Db db)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "The watch is stopped with SIGTERM.");
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true, SignIn = SignIn.Development });

        var login = await RunAsync("login", "--server", app.Address.ToString(), "--dev", "grace");
        var add = await RunAsync("add", "Write", "--duration", "50");
        var start = await RunAsync("start", "write");
        var usage = await RunAsync("start");
        using var watch = Start("watch");
        using var output = new LiveWriter();
        var reading = CopyAsync(watch.StandardOutput, output);
        await output.UntilAsync(text => text.Contains("RUNNING", StringComparison.Ordinal), "watch shows the session running");
        // SIGTERM rather than Ctrl+C's SIGINT: a process started in the background by a script (as CI may start the
        // tests) inherits SIGINT ignored, and .NET keeps it so. The in-process watch tests cover the cancellation itself.
        using (var stop = Process.Start("kill", ["-TERM", watch.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await stop.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        await ExitAsync(watch);
        await reading;

        Assert.Equal((0, 0, 0, 0), (login.ExitCode, add.ExitCode, start.ExitCode, watch.ExitCode));
        Assert.Contains("signed in as grace", login.Out, StringComparison.Ordinal);
        Assert.Equal("50:00", CliKit.RowOf(add.Out, "Write")[3]);
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
        Assert.DoesNotContain("\e[", output.Text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_home, "focussync", "config.json")));
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private static async Task CopyAsync(StreamReader from, TextWriter to)
    {
        while (await from.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
        {
            await to.WriteAsync(line + "\n");
        }
    }

    private static async Task ExitAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(Person.Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    private Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "focussync.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["XDG_CONFIG_HOME"] = _home;
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    private async Task<CliResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await ExitAsync(process);
        return new CliResult(process.ExitCode, await output, await error);
    }
}
