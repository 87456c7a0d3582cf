namespace FocusSync.Api.Auth;

public enum AuthMode
{
    Firebase,
    Development,
}

public sealed class AuthOptions
{
    public const string Section = "Auth";

    public AuthMode Mode { get; set; } = AuthMode.Firebase;

    /// <summary>
    /// PEM of the RSA private key that signs development tokens; without it each process makes its own,
    /// so only several development instances that share this key accept each other's tokens.
    /// </summary>
    public string? DevelopmentSigningKey { get; set; }

    public FirebaseAuthOptions Firebase { get; set; } = new();
}

public sealed class FirebaseAuthOptions
{
    public const string GoogleKeysUrl =
        "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com";

    public const string DevelopmentProjectId = "focussync-dev";

    public string? ProjectId { get; set; }

    public Uri KeysUrl { get; set; } = new(GoogleKeysUrl);

    /// <summary>kid → PEM (X.509 certificate or public key). When set, replaces the download.</summary>
    public Dictionary<string, string> SigningKeys { get; set; } = [];

    public string Issuer => $"https://securetoken.google.com/{ProjectId}";

    /// <summary>
    /// The Firebase Auth emulator's host:port, from <c>FIREBASE_AUTH_EMULATOR_HOST</c> in Firebase mode outside
    /// Production: its tokens are unsigned, and the web client signs in against it. Not a configuration key.
    /// </summary>
    public string? EmulatorHost { get; internal set; }

    /// <summary>The emulator's address for the Firebase JS SDK's <c>connectAuthEmulator</c>.</summary>
    public Uri? EmulatorUrl => EmulatorHost is null ? null : new Uri($"http://{EmulatorHost}");
}
