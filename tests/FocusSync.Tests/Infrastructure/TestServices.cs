namespace FocusSync.Tests.Infrastructure;

/// <summary>
/// Addresses of the external services some tests need, read from the environment
/// (set by <c>.ci/run</c>). Without an address such a test is skipped, unless
/// <c>FOCUSSYNC_REQUIRE_SERVICES=1</c>, in which case it runs and fails.
/// </summary>
public static class TestServices
{
    public const string PostgresVariable = "FOCUSSYNC_TEST_POSTGRES";
    public const string RedisVariable = "FOCUSSYNC_TEST_REDIS";
    public const string ChromiumVariable = "FOCUSSYNC_TEST_CHROMIUM";
    public const string RequireServicesVariable = "FOCUSSYNC_REQUIRE_SERVICES";

    /// <summary>Npgsql connection string; its user may create databases.</summary>
    public static string? Postgres => Read(PostgresVariable);

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6380</c>.</summary>
    public static string? Redis => Read(RedisVariable);

    /// <summary>Path of a Chromium executable.</summary>
    public static string? Chromium => Read(ChromiumVariable);

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

    internal static string? SkipReason(string? value, string variable, string service) =>
        value is null && !RequireServices
            ? $"{service} not configured: set {variable} (or run .ci/run)."
            : null;

    private static string Require(string? value, string variable, string service) =>
        value ?? throw new InvalidOperationException(
            $"{service} is required but {variable} is not set. Set it, or run .ci/run, which starts the service.");

    private static string? Read(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}

[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() =>
        Skip = TestServices.SkipReason(TestServices.Postgres, TestServices.PostgresVariable, "PostgreSQL");
}

[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute() =>
        Skip = TestServices.SkipReason(TestServices.Postgres, TestServices.PostgresVariable, "PostgreSQL");
}

[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute() =>
        Skip = TestServices.SkipReason(TestServices.Redis, TestServices.RedisVariable, "Redis");
}

[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RedisTheoryAttribute : TheoryAttribute
{
    public RedisTheoryAttribute() =>
        Skip = TestServices.SkipReason(TestServices.Redis, TestServices.RedisVariable, "Redis");
}

[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute() =>
        Skip = TestServices.SkipReason(TestServices.Chromium, TestServices.ChromiumVariable, "Chromium");
}

[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChromiumTheoryAttribute : TheoryAttribute
{
    public ChromiumTheoryAttribute() =>
        Skip = TestServices.SkipReason(TestServices.Chromium, TestServices.ChromiumVariable, "Chromium");
}
