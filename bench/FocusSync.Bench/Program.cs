using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using FocusSync.Bench;
using FocusSync.Bench.Baselines;
using FocusSync.Bench.Infrastructure;

if (args.FirstOrDefault() == "baseline-server")
{
    await BaselineServer.RunAsync(args[1..]);
    return 0;
}

var smoke = args.Contains("--smoke");
var postgres = Environment.GetEnvironmentVariable("FOCUSSYNC_BENCH_POSTGRES");
var names = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
var root = FindRepoRoot();
var benchmarks = typeof(IBenchmark).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchmark).IsAssignableFrom(t))
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .Where(b => names.Count == 0 || names.Contains(b.Name))
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();
if (benchmarks.Count == 0)
{
    Console.Error.WriteLine($"No benchmark matches {string.Join(", ", names)}.");
    return 2;
}

var command = "dotnet run -c Release --project bench/FocusSync.Bench" + (args.Length > 0 ? " -- " + string.Join(' ', args) : "");
var context = new BenchContext(root, smoke, postgres);
var sections = new Dictionary<string, string>();
var load = Stats.LoadAverage();
var total = Stopwatch.StartNew();
foreach (var benchmark in benchmarks)
{
    var clock = Stopwatch.StartNew();
    var section = await benchmark.RunAsync(context, CancellationToken.None);
    if (!smoke)
    {
        Console.WriteLine(section);
    }

    Console.WriteLine($"== {benchmark.Name}{(smoke ? " (smoke)" : "")}: done in {clock.Elapsed.TotalSeconds:F1} s");
    sections[benchmark.Name] = section;
}

if (!smoke)
{
    WriteReport(Path.Combine(root, "docs", "benchmarks.md"), sections, command, load);
}

Console.WriteLine($"bench: {sections.Count} benchmarks{(smoke ? " (smoke)" : "")} passed in {total.Elapsed.TotalSeconds:F1} s");
return 0;

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FocusSync.slnx")))
    {
        dir = dir.Parent;
    }

    return dir?.FullName ?? throw new InvalidOperationException("Run the benchmark from inside the FocusSync repository.");
}

// Each benchmark owns one marked section, so running one benchmark keeps the others' last results.
static void WriteReport(string path, Dictionary<string, string> sections, string command, string load)
{
    var text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n\nRegenerate everything with `ulimit -n 65536 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; dotnet run -c Release --project bench/FocusSync.Bench`; name benchmarks to run only those.\n";
    foreach (var (name, body) in sections)
    {
        var block = $"<!-- bench:{name} -->\n{body.TrimEnd()}\n\n_Measured {DateTime.UtcNow:yyyy-MM-dd} on {Environment.ProcessorCount} cores (load average {load} when the run began; open-file limit {Stats.OpenFileLimit()}) with `{command}`._\n<!-- /bench:{name} -->";
        var pattern = new Regex($"<!-- bench:{Regex.Escape(name)} -->.*?<!-- /bench:{Regex.Escape(name)} -->", RegexOptions.Singleline);
        text = pattern.IsMatch(text) ? pattern.Replace(text, block.Replace("$", "$$", StringComparison.Ordinal)) : text.TrimEnd() + "\n\n" + block + "\n";
    }

    File.WriteAllText(path, text, Encoding.UTF8);
    Console.WriteLine($"Wrote {path}");
}
