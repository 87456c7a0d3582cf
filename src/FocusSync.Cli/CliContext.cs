namespace FocusSync.Cli;

/// <summary>
/// Where the command line writes and keeps its files: the console and the per-user config folder for the tool,
/// writers and a folder of their own for tests that run it in-process.
/// </summary>
/// <param name="Out">Results: tables, CSV, confirmations.</param>
/// <param name="Error">Errors and warnings, so that a script piping the results gets only results.</param>
/// <param name="ConfigDirectory">Holds <c>config.json</c>, the offline queue and the last known sessions.</param>
/// <param name="Ansi">Whether <c>watch</c> may redraw in place (a terminal) rather than print each new frame.</param>
public sealed record CliContext(TextWriter Out, TextWriter Error, string ConfigDirectory, bool Ansi)
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The console, and <c>$XDG_CONFIG_HOME/focussync</c> (or <c>~/.config/focussync</c>; the roaming app data folder on Windows).</summary>
    public static CliContext FromConsole() =>
        new(Console.Out, Console.Error, DefaultConfigDirectory(), !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb");

    private static string DefaultConfigDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "focussync");
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        return Path.Combine(
            string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config") : xdg,
            "focussync");
    }
}

/// <summary>What a command ends with when it cannot do what it was asked: the exit code and the message for the person.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The exit codes scripts rely on.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server refused the change, or the input is bad (the message names the field).</summary>
    public const int Refused = 1;

    /// <summary>The command line itself is wrong: an unknown command or option, a missing argument.</summary>
    public const int Usage = 2;

    /// <summary>The server could not be reached and nothing could be queued for later.</summary>
    public const int Unreachable = 3;

    /// <summary>
    /// Another focussync process (a running watch) holds the offline queue, and the command needed it: nothing was
    /// queued, sent or watched.
    /// </summary>
    public const int Busy = 4;
}
