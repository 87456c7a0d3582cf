namespace FocusSync.Tests.Infrastructure;

/// <summary>
/// Addresses of the external services some tests need, read from the environment
/// (set by <c>.ci/run</c>). Without an address such a test is skipped when it asks for the service, unless
/// <c>FOCUSSYNC_REQUIRE_SERVICES=1</c>, in which case it fails.
/// </summary>
public static class TestServices
{
    public const string PostgresVariable = "FOCUSSYNC_TEST_POSTGRES";
    public const string RedisVariable = "FOCUSSYNC_TEST_REDIS";
    public const string ChromiumVariable = "FOCUSSYNC_TEST_CHROMIUM";
    public const string NginxVariable = "FOCUSSYNC_TEST_NGINX";
    public const string FirebaseEmulatorVariable = "FOCUSSYNC_TEST_FIREBASE_EMULATOR";
    public const string RequireServicesVariable = "FOCUSSYNC_REQUIRE_SERVICES";

    /// <summary>Npgsql connection string; its user may create databases.</summary>
    public static string? Postgres => Read(PostgresVariable);

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6380</c>.</summary>
    public static string? Redis => Read(RedisVariable);

    /// <summary>Path of a Chromium executable.</summary>
    public static string? Chromium => Read(ChromiumVariable);

    /// <summary>Path of an nginx executable.</summary>
    public static string? Nginx => Read(NginxVariable);

    /// <summary>
    /// host:port of a Firebase Auth emulator serving the project <see cref="FirebaseEmulator.ProjectId"/>. Not
    /// <c>FIREBASE_AUTH_EMULATOR_HOST</c> itself: every service a test starts would then trust the emulator.
    /// </summary>
    public static string? FirebaseEmulator => Read(FirebaseEmulatorVariable);

    public static bool RequireServices => Environment.GetEnvironmentVariable(RequireServicesVariable) == "1";

    public static string RequirePostgres() => Require(Postgres, PostgresVariable, "PostgreSQL");

    public static string RequireRedis() => Require(Redis, RedisVariable, "Redis");

    public static string RequireChromium()
    {
        var path = Require(Chromium, ChromiumVariable, "Chromium");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"Chromium not found at '{path}' ({ChromiumVariable}).");
    }

    public static string RequireNginx() => Require(Nginx, NginxVariable, "nginx");

    public static string RequireFirebaseEmulator() => Require(FirebaseEmulator, FirebaseEmulatorVariable, "Firebase Auth emulator");

    /// <summary>The service's address; without one, skips the running test, or fails it when services are required.</summary>
    private static string Require(string? value, string variable, string service)
    {
        if (value is not null)
        {
            return value;
        }

        Assert.SkipWhen(!RequireServices, $"{service} not configured: set {variable} (or run .ci/run).");
        throw new InvalidOperationException(
            $"{service} is required but {variable} is not set. Set it, or run .ci/run, which starts the service.");
    }

    private static string? Read(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
