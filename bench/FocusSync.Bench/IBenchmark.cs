namespace FocusSync.Bench;

/// <summary>One measurement with its baseline; Program finds every implementation and runs those asked for.</summary>
public interface IBenchmark
{
    /// <summary>Short name used on the command line and as the section key in docs/benchmarks.md.</summary>
    string Name { get; }

    /// <summary>Runs the measurement and returns its markdown section (heading included).</summary>
    Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken);
}

/// <summary>What every benchmark gets: where the repo is, whether this is a short smoke run, and PostgreSQL if given.</summary>
public sealed record BenchContext(string RepoRoot, bool Smoke, string? Postgres);
