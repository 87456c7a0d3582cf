namespace FocusSync.Api.Http;

public static class Clock
{
    /// <summary>The one clock every part of the service reads, so that tests can replace it with a fake one.</summary>
    public static WebApplicationBuilder AddClock(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
