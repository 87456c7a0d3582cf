using System.Text;
using FocusSync.Bench.Infrastructure;

namespace FocusSync.Bench.Startup;

/// <summary>Process start to the first successful <c>GET /health</c> on an existing database, against a bare minimal API.</summary>
public sealed class ColdStartBenchmark : IBenchmark
{
    public string Name => "coldstart";

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var runs = context.Smoke ? 1 : 5;
        var file = Path.Combine(Path.GetTempPath(), $"focussync-bench-coldstart-{Guid.NewGuid():N}.db");
        try
        {
            // An existing database: migrated, WAL, one user with a session.
            await using (var first = await ServiceProcess.StartAsync(context.RepoRoot, "Sqlite", $"Data Source={file}", cancellationToken: cancellationToken))
            {
                await ServiceUser.CreateAsync(first, "coldstart", withSession: true, cancellationToken);
            }

            var service = new List<double>();
            var baseline = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                await using (var started = await ServiceProcess.StartAsync(context.RepoRoot, "Sqlite", $"Data Source={file}", cancellationToken: cancellationToken))
                {
                    service.Add(started.TimeToHealthy.TotalMilliseconds);
                }

                await using (var started = await ServiceProcess.StartBaselineAsync(cancellationToken: cancellationToken))
                {
                    baseline.Add(started.TimeToHealthy.TotalMilliseconds);
                }
            }

            var text = new StringBuilder();
            text.AppendLine("## 5. Cold start");
            text.AppendLine();
            text.AppendLine("From `Process.Start` of `dotnet FocusSync.Api.dll` (Release build, SQLite file already migrated and holding a user) to "
                + "the first 200 from `GET /health` (which queries the database), polled every 5 ms. Baseline: the bench program's "
                + $"`baseline-server` child process (a minimal API answering `/health` without a database). {runs} starts per side, interleaved; "
                + "milliseconds. No goal is set for this figure.");
            text.AppendLine();
            text.AppendLine("| side | median | min | max | runs |");
            text.AppendLine("|---|---|---|---|---|");
            text.AppendLine(Row("service", service));
            text.AppendLine(Row("baseline (minimal API)", baseline));
            text.AppendLine();
            text.AppendLine($"Ratio (median): {Stats.F(Stats.Median(service) / Stats.Median(baseline))}×.");
            return text.ToString();
        }
        finally
        {
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    private static string Row(string side, List<double> runs) =>
        $"| {side} | {Stats.F(Stats.Median(runs), 0)} | {Stats.F(runs.Min(), 0)} | {Stats.F(runs.Max(), 0)} | {string.Join(", ", runs.Select(r => Stats.F(r, 0)))} |";
}
