using System.Text;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Cli.Tests;

/// <summary>What one run of the command line answered.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- out\n{Out}--- error\n{Error}";
}

/// <summary>
/// The command line of one person: its own config folder, run in-process through its entry point with its output
/// captured, against the real service on a loopback socket.
/// </summary>
public sealed class Person : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public string ConfigDirectory { get; } = Directory.CreateTempSubdirectory("focussync-cli-").FullName;

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new LiveWriter();
        using var error = new LiveWriter();
        using var timeout = new CancellationTokenSource(Timeout);
        var code = await FocusSyncCli.RunAsync(args, new CliContext(output, error, ConfigDirectory, Ansi: false), cancellationToken: timeout.Token);
        return new CliResult(code, output.Text, error.Text);
    }

    /// <summary>Runs a command and checks that it succeeded.</summary>
    public async Task<CliResult> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == ExitCodes.Ok, $"focussync {string.Join(' ', args)}: {result}");
        return result;
    }

    public void Dispose() => Directory.Delete(ConfigDirectory, recursive: true);
}

/// <summary>A writer whose text can be read while a command still runs, and waited on until it shows something.</summary>
public sealed class LiveWriter : TextWriter
{
    private readonly StringBuilder _text = new();
    private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public override void Write(char value) => Append(value.ToString());

    public override void Write(string? value) => Append(value ?? "");

    public override Task WriteAsync(string? value)
    {
        Append(value ?? "");
        return Task.CompletedTask;
    }

    /// <summary>Waits, without polling, until the text written so far satisfies <paramref name="condition"/>.</summary>
    public async Task UntilAsync(Func<string, bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Person.Timeout);
        while (true)
        {
            Task written;
            lock (_text)
            {
                if (condition(_text.ToString()))
                {
                    return;
                }

                written = _written.Task;
            }

            try
            {
                await written.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting until {what}; the output is:\n{Text}");
            }
        }
    }

    private void Append(string value)
    {
        TaskCompletionSource written;
        lock (_text)
        {
            _text.Append(value);
            written = _written;
            _written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        written.TrySetResult();
    }
}

public static class CliKit
{
    /// <summary>The rows of a table the command line printed, as cells.</summary>
    public static IReadOnlyList<string[]> Rows(string table) =>
        [.. table.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    /// <summary>The row of the session titled <paramref name="title"/> in the last table of <paramref name="output"/>.</summary>
    public static string[] RowOf(string output, string title) =>
        Rows(output).LastOrDefault(cells => cells.Length > 1 && cells[1] == title)
        ?? throw new Xunit.Sdk.XunitException($"No row titled '{title}' in:\n{output}");

    public static FocusSyncClient RestClient(FocusSyncApp app, string uid) => new(app.Address, _ => ValueTask.FromResult(app.Tokens.Mint(uid)));
}
