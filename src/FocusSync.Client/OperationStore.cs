using System.Text.Json;
using System.Text.Json.Nodes;

namespace FocusSync.Client;

/// <summary>
/// An action the live view applied locally and has not yet had answered by the server: what <c>POST /sync</c> needs to
/// replay it exactly once (its idempotency key, when the person acted, the version it was made on).
/// </summary>
/// <param name="IdempotencyKey">Makes a replay of the operation change nothing.</param>
/// <param name="Kind">What it does.</param>
/// <param name="SessionId">The session it acts on; negative for a session created offline (its <see cref="LocalId"/>).</param>
/// <param name="Body">The fields of a create or an edit.</param>
/// <param name="At">When the person acted, in epoch ms on the server's clock as the view estimated it.</param>
/// <param name="BaseVersion">The session's version the person saw when acting.</param>
public sealed record QueuedOperation(
    string IdempotencyKey, OperationKind Kind, long? SessionId, JsonObject? Body, long At, int? BaseVersion)
{
    /// <summary>For a create: the negative id the view shows the new session under until the server gives it its id.</summary>
    public long? LocalId { get; init; }

    internal SyncOperation ToSync() => new(IdempotencyKey, Kind, SessionId, Body, At, BaseVersion);
}

/// <summary>
/// Keeps the queue of operations the server has not answered yet. <see cref="SaveAsync"/> replaces the whole queue
/// and must be durable when it returns: the view awaits it before an action returns.
/// </summary>
public interface IOperationStore
{
    ValueTask<IReadOnlyList<QueuedOperation>> LoadAsync(CancellationToken cancellationToken);

    ValueTask SaveAsync(IReadOnlyList<QueuedOperation> operations, CancellationToken cancellationToken);
}

/// <summary>A queue that lives as long as the process: for tests, and apps that accept losing it.</summary>
public sealed class MemoryOperationStore : IOperationStore
{
    private IReadOnlyList<QueuedOperation> _operations = [];

    public ValueTask<IReadOnlyList<QueuedOperation>> LoadAsync(CancellationToken cancellationToken) => new(Volatile.Read(ref _operations));

    public ValueTask SaveAsync(IReadOnlyList<QueuedOperation> operations, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _operations, [.. operations]);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The queue as one JSON file, <c>{"format":1,"operations":[…]}</c>. Each save writes a temporary file beside it,
/// flushes it to the disk and renames it over the old one, so a process killed at any moment leaves either the old
/// queue or the new one, never a torn file. One file per signed-in user.
/// </summary>
public sealed class JsonFileOperationStore(string path) : IOperationStore
{
    private const int Format = 1;

    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The default file of an app: <c>FocusSync/operations.json</c> under the user's local application data.</summary>
    public static JsonFileOperationStore Default() => new(System.IO.Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "FocusSync", "operations.json"));

    public async ValueTask<IReadOnlyList<QueuedOperation>> LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!File.Exists(Path))
            {
                return [];
            }

            var stream = File.OpenRead(Path);
            await using (stream.ConfigureAwait(false))
            {
                var file = await JsonSerializer.DeserializeAsync<QueueFile>(stream, Json.Options, cancellationToken).ConfigureAwait(false);
                return file is { Format: Format }
                    ? file.Operations
                    : throw new InvalidDataException($"'{Path}' is not a FocusSync operation queue of format {Format}.");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask SaveAsync(IReadOnlyList<QueuedOperation> operations, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            var temporary = Path + ".tmp";
            var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(stream, new QueueFile(Format, operations), Json.Options, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                // The rename below is only atomic for data already on the disk.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed record QueueFile(int Format, IReadOnlyList<QueuedOperation> Operations);
}
