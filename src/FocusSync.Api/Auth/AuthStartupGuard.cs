using Microsoft.Extensions.Options;

namespace FocusSync.Api.Auth;

internal static class AuthStartupGuard
{
    public const string EmulatorHostVariable = "FIREBASE_AUTH_EMULATOR_HOST";

    public static string? Refusal(bool isDevelopmentMode, IHostEnvironment environment, IConfiguration configuration)
    {
        if (!environment.IsProduction())
        {
            return null;
        }

        if (isDevelopmentMode)
        {
            return "Auth:Mode=Development (development sign-in) is not allowed in the Production environment. " +
                "Set Auth:Mode=Firebase and Auth:Firebase:ProjectId.";
        }

        if (EmulatorHost(configuration) is not null)
        {
            return $"{EmulatorHostVariable} is set in the Production environment; " +
                "the Firebase Auth emulator issues unsigned tokens, so the service refuses to start.";
        }

        return null;
    }

    /// <summary>The <c>FIREBASE_AUTH_EMULATOR_HOST</c> as configured, or null when it is unset or empty.</summary>
    public static string? EmulatorHost(IConfiguration configuration)
    {
        var value = configuration[EmulatorHostVariable] ?? Environment.GetEnvironmentVariable(EmulatorHostVariable);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>
    /// Whether <paramref name="value"/> is host:port with an explicit port, as the Firebase SDKs read the variable
    /// (no scheme, no path).
    /// </summary>
    public static bool IsHostAndPort(string value) =>
        Uri.TryCreate($"http://{value}/", UriKind.Absolute, out var uri)
        && uri.UserInfo.Length == 0 && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0
        && string.Equals(uri.GetComponents(UriComponents.HostAndPort, UriFormat.UriEscaped), value, StringComparison.OrdinalIgnoreCase);

    public static void ThrowIfRefused(bool isDevelopmentMode, IHostEnvironment environment, IConfiguration configuration)
    {
        if (Refusal(isDevelopmentMode, environment, configuration) is { } message)
        {
            throw new InvalidOperationException(message);
        }
    }
}

internal sealed class AuthOptionsValidator(IHostEnvironment environment, IConfiguration configuration)
    : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();

        if (AuthStartupGuard.Refusal(options.Mode == AuthMode.Development, environment, configuration) is { } refusal)
        {
            failures.Add(refusal);
        }

        if (options.Firebase.EmulatorHost is { } emulatorHost && !AuthStartupGuard.IsHostAndPort(emulatorHost))
        {
            failures.Add($"{AuthStartupGuard.EmulatorHostVariable} must be the Firebase Auth emulator's host:port (e.g. \"127.0.0.1:9099\").");
        }

        if (options.Mode == AuthMode.Firebase && string.IsNullOrWhiteSpace(options.Firebase.ProjectId))
        {
            failures.Add("Auth:Firebase:ProjectId is required when Auth:Mode is Firebase (the Firebase project id, e.g. \"my-app-1234\").");
        }

        // Checked here: an unreadable key would otherwise fail every request that carries a token.
        if (options.Mode == AuthMode.Development && !string.IsNullOrWhiteSpace(options.DevelopmentSigningKey)
            && !DevTokenIssuer.IsRsaPrivateKeyPem(options.DevelopmentSigningKey))
        {
            failures.Add("Auth:DevelopmentSigningKey must be the PEM of an RSA private key (e.g. \"-----BEGIN PRIVATE KEY-----\").");
        }

        if (!options.Firebase.KeysUrl.IsAbsoluteUri)
        {
            failures.Add("Auth:Firebase:KeysUrl must be an absolute URL.");
        }

        foreach (var (kid, pem) in options.Firebase.SigningKeys)
        {
            if (!SigningKeyPem.TryParse(kid, pem, out _))
            {
                failures.Add($"Auth:Firebase:SigningKeys:{kid} is not a PEM X.509 certificate or RSA public key.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
