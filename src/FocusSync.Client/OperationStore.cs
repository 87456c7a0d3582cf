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
/// The state the server last confirmed to a view, as the view saves it for a later start without the server: the
/// user, the groups and the live sessions at <see cref="Seq"/>. A view saves one only while its queue is empty, so no
/// queued operation is ever part of it as well.
/// </summary>
/// <param name="Seq">The user's seq the state is at.</param>
/// <param name="AsOfMs">The latest server instant any of the state was taken at; the user's day is reckoned from it.</param>
/// <param name="User">The user's profile and settings.</param>
/// <param name="Groups">The user's groups.</param>
/// <param name="Sessions">The live sessions, each as the server last sent it.</param>
/// <param name="ClockOffsetMs">How far the server's clock was ahead of the device's, for the countdowns until the server answers again.</param>
public sealed record ViewSnapshot(
    long Seq, long AsOfMs, User User, IReadOnlyList<Group> Groups, IReadOnlyList<SnapshotSession> Sessions, long ClockOffsetMs);

/// <summary>A session as the server last sent it, with the instants that make its timer exact again.</summary>
/// <param name="Session">The session as sent.</param>
/// <param name="StatedAtMs">The server instant its <see cref="Session.TimeLeft"/> and <see cref="Session.FocusSeconds"/> were stated at.</param>
/// <param name="ChangedAtMs">The server instant its last change applied at (0 when unknown): no timed action on it applies earlier.</param>
public sealed record SnapshotSession(Session Session, long StatedAtMs, long ChangedAtMs);

/// <summary>
/// Keeps what a view must not lose with its process: the queue of operations the server has not answered yet, and
/// the last state the server confirmed, which a view started without the server shows at once. One per signed-in user.
/// </summary>
public interface IOperationStore
{
    /// <summary>
    /// Takes the store for one owner (a view) until the result is disposed, or throws
    /// <see cref="OperationStoreInUseException"/> at once when another owner has it, in this process or another: two
    /// owners each saving the queue they loaded would overwrite each other's operations.
    /// </summary>
    ValueTask<IAsyncDisposable> ClaimAsync(CancellationToken cancellationToken);

    /// <summary>The queue as last saved, oldest operation first; empty when nothing was saved.</summary>
    ValueTask<IReadOnlyList<QueuedOperation>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the whole queue. Must be durable when it returns: the view awaits it before an action returns.</summary>
    ValueTask SaveAsync(IReadOnlyList<QueuedOperation> operations, CancellationToken cancellationToken);

    /// <summary>The last state saved by <see cref="SaveSnapshotAsync"/>; null when there is none.</summary>
    ValueTask<ViewSnapshot?> LoadSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the last known state. Only a cache: losing the latest one costs a stale first screen, never an action.</summary>
    ValueTask SaveSnapshotAsync(ViewSnapshot snapshot, CancellationToken cancellationToken);
}

/// <summary>A queue and a last known state that live as long as the process: for tests, and apps that accept losing them.</summary>
public sealed class MemoryOperationStore : IOperationStore
{
    private IReadOnlyList<QueuedOperation> _operations = [];
    private ViewSnapshot? _snapshot;
    private int _claimed;

    /// <inheritdoc/>
    public ValueTask<IAsyncDisposable> ClaimAsync(CancellationToken cancellationToken) =>
        Interlocked.CompareExchange(ref _claimed, 1, 0) == 0
            ? new(new Claim(() =>
            {
                Volatile.Write(ref _claimed, 0);
                return ValueTask.CompletedTask;
            }))
            : throw new OperationStoreInUseException("this MemoryOperationStore");

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<QueuedOperation>> LoadAsync(CancellationToken cancellationToken) => new(Volatile.Read(ref _operations));

    /// <inheritdoc/>
    public ValueTask SaveAsync(IReadOnlyList<QueuedOperation> operations, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _operations, [.. operations]);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<ViewSnapshot?> LoadSnapshotAsync(CancellationToken cancellationToken) => new(Volatile.Read(ref _snapshot));

    /// <inheritdoc/>
    public ValueTask SaveSnapshotAsync(ViewSnapshot snapshot, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _snapshot, snapshot);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The queue as one JSON file, <c>{"format":1,"operations":[…]}</c>, and the last known state as another beside it
/// (<see cref="SnapshotPath"/>), so that writing the cache never rewrites the queue. Each save writes a temporary file,
/// flushes it to the disk and renames it over the old one, so a process killed at any moment leaves either the old
/// file or the new one, never a torn one. One store per signed-in user. A claim is an exclusive OS lock on
/// <see cref="LockPath"/>, so it excludes every other claim on the same file, from this process or another, and goes
/// with its process when that is killed; a save outside a claim takes the lock for the time of the save.
/// </summary>
public sealed class JsonFileOperationStore(string path) : IOperationStore
{
    private const int Format = 1;
    private const int SharingViolation = 32;
    private const int LockViolation = 33;
    private const int LinuxWouldBlock = 11;
    private const int BsdWouldBlock = 35;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _claim;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The last known state: the queue's file name with <c>.snapshot.json</c> for its extension.</summary>
    public string SnapshotPath => System.IO.Path.ChangeExtension(Path, ".snapshot.json");

    /// <summary>The lock a claim holds: the queue's file name with <c>.lock</c> appended. It stays on the disk, empty.</summary>
    public string LockPath => Path + ".lock";

    /// <summary>The default file of an app: <c>FocusSync/operations.json</c> under the user's local application data.</summary>
    public static JsonFileOperationStore Default() => new(System.IO.Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "FocusSync", "operations.json"));

    /// <inheritdoc/>
    public async ValueTask<IAsyncDisposable> ClaimAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var held = Lock();
            _claim = held;
            return new Claim(() => ReleaseAsync(held));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<QueuedOperation>> LoadAsync(CancellationToken cancellationToken)
    {
        var file = await ReadAsync<QueueFile>(Path, cancellationToken).ConfigureAwait(false);
        return file is null ? []
            : file.Format == Format ? file.Operations
            : throw new InvalidDataException($"'{Path}' is not a FocusSync operation queue of format {Format}.");
    }

    /// <inheritdoc/>
    public ValueTask SaveAsync(IReadOnlyList<QueuedOperation> operations, CancellationToken cancellationToken) =>
        WriteAsync(Path, new QueueFile(Format, operations), cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<ViewSnapshot?> LoadSnapshotAsync(CancellationToken cancellationToken)
    {
        var file = await ReadAsync<SnapshotFile>(SnapshotPath, cancellationToken).ConfigureAwait(false);
        return file is null ? null
            : file.Format == Format ? file.Snapshot
            : throw new InvalidDataException($"'{SnapshotPath}' is not a FocusSync view snapshot of format {Format}.");
    }

    /// <inheritdoc/>
    public ValueTask SaveSnapshotAsync(ViewSnapshot snapshot, CancellationToken cancellationToken) =>
        WriteAsync(SnapshotPath, new SnapshotFile(Format, snapshot), cancellationToken);

    private async ValueTask<T?> ReadAsync<T>(string file, CancellationToken cancellationToken)
        where T : class
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!File.Exists(file))
            {
                return null;
            }

            var stream = File.OpenRead(file);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync<T>(stream, Json.Options, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"'{file}' holds null.");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether an <see cref="IOException"/> of an open says that another handle locks the file.</summary>
    private static bool IsLocked(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is SharingViolation or LockViolation
        : e.HResult == (OperatingSystem.IsLinux() ? LinuxWouldBlock : BsdWouldBlock);

    /// <summary>
    /// Opens <see cref="LockPath"/> with no sharing: .NET holds a <c>flock</c> on Unix, a share mode on Windows, both
    /// released by the OS with the handle or its process. Called under the gate.
    /// </summary>
    private FileStream Lock()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            return new FileStream(LockPath, options);
        }
        catch (IOException e) when (IsLocked(e))
        {
            throw new OperationStoreInUseException(Path, e);
        }
    }

    private async ValueTask ReleaseAsync(FileStream held)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            // The only claim: a second one on this store fails in ClaimAsync.
            _claim = null;
            await held.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask WriteAsync<T>(string file, T content, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        FileStream? brief = null;
        try
        {
            brief = _claim is null ? Lock() : null;
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            var temporary = file + ".tmp";
            var options = new FileStreamOptions
            {
                Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows())
            {
                // Session titles and the queue are the person's own: not for other accounts of the machine.
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var stream = new FileStream(temporary, options);
            await using (stream.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(stream, content, Json.Options, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                // The rename below is only atomic for data already on the disk.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, file, overwrite: true);
        }
        finally
        {
            brief?.Dispose();
            _gate.Release();
        }
    }

    private sealed record QueueFile(int Format, IReadOnlyList<QueuedOperation> Operations);

    private sealed record SnapshotFile(int Format, ViewSnapshot Snapshot);
}

/// <summary>A store another owner has claimed (see <see cref="IOperationStore.ClaimAsync"/>): a second view on it, say.</summary>
public sealed class OperationStoreInUseException(string store, Exception? innerException = null) : InvalidOperationException(
    $"The FocusSync operation store '{store}' is in use by another view, in this process or another: one view per store at a time. "
    + "Close the other one first, or give this one a store of its own.", innerException)
{
    /// <summary>The store: a <see cref="JsonFileOperationStore"/>'s <see cref="JsonFileOperationStore.Path"/>.</summary>
    public string Store { get; } = store;
}

/// <summary>Releases a claim once, however often it is disposed.</summary>
internal sealed class Claim(Func<ValueTask> release) : IAsyncDisposable
{
    private int _released;

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _released, 1) == 0 ? release() : ValueTask.CompletedTask;
}
