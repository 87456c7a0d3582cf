using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FocusSync.Cli;

/// <summary>
/// The signed-in account: the server, its token, and for a development sign-in the name a fresh token is asked for.
/// Kept in <c>config.json</c> with mode 600, since the token signs in as the person.
/// </summary>
public sealed record Profile(Uri Server, string Uid, string Token)
{
    /// <summary>For a development sign-in: the name <c>POST /dev/token</c> is asked a new token for when this one expires.</summary>
    public string? DevName { get; init; }

    /// <summary>When the token expires (epoch ms on the server's clock), as the token or the server said.</summary>
    public long? ExpiresAtMs { get; init; }

    /// <summary>Operations queued offline, one file per server and account so that another sign-in never replays them.</summary>
    public string QueueFile(string directory) => Path.Combine(directory, $"queue-{Key}.json");

    /// <summary>The sessions as last seen from the server, for resolving titles and showing the list offline.</summary>
    public string CacheFile(string directory) => Path.Combine(directory, $"sessions-{Key}.json");

    private string Key => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Server}|{Uid}")))[..16];
}

internal static class ProfileFile
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string PathIn(string directory) => Path.Combine(directory, "config.json");

    public static Profile Load(string directory)
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.Refused, "Not signed in: run focussync login --server URL --token TOKEN (or --dev NAME).");
        }

        try
        {
            return JsonSerializer.Deserialize<Profile>(File.ReadAllText(path), Json)
                ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Refused, $"'{path}' is not a focussync config file ({e.Message}): run focussync login again.");
        }
    }

    public static void Save(string directory, Profile profile) => WritePrivate(PathIn(directory), JsonSerializer.Serialize(profile, Json));

    /// <summary>Writes a file only its owner can read (and a folder only they can enter), replacing it whole.</summary>
    public static void WritePrivate(string path, string text)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Another focussync (a watch, say) may write the same file at the same moment: each writes its own temporary file.
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>Reads the claims of a Firebase ID token without checking its signature: the server checks it.</summary>
internal static class Jwt
{
    public static (string Uid, long? ExpiresAtMs) Claims(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw new CliException(ExitCodes.Refused, "--token: not a Firebase ID token (a JWT has three parts separated by dots).");
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var document = JsonDocument.Parse(Convert.FromBase64String(payload));
            var root = document.RootElement;
            var uid = root.TryGetProperty("sub", out var sub) && sub.GetString() is { Length: > 0 } s
                ? s
                : throw new CliException(ExitCodes.Refused, "--token: the token names no user (no 'sub' claim).");
            long? expires = root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds) ? seconds * 1000 : null;
            return (uid, expires);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            throw new CliException(ExitCodes.Refused, "--token: not a Firebase ID token (its payload is not JSON).");
        }
    }
}
