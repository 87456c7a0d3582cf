using FocusSync.Api.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace FocusSync.Api.Auth;

public static class AuthExtensions
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Accepts Firebase ID tokens (or development tokens in Development mode) as bearer tokens,
    /// and makes authenticated users the default authorization policy.
    /// </summary>
    public static WebApplicationBuilder AddFirebaseAuth(this WebApplicationBuilder builder)
    {
        var mode = builder.Configuration.ReadSettings<AuthOptions>(AuthOptions.Section).Mode;
        AuthStartupGuard.ThrowIfRefused(mode == AuthMode.Development, builder.Environment, builder.Configuration);

        var services = builder.Services;
        services.AddSettings<AuthOptions>(AuthOptions.Section)
            .PostConfigure<IConfiguration, IHostEnvironment>((auth, configuration, environment) =>
            {
                if (auth.Mode == AuthMode.Development && string.IsNullOrWhiteSpace(auth.Firebase.ProjectId))
                {
                    auth.Firebase.ProjectId = FirebaseAuthOptions.DevelopmentProjectId;
                }

                // In Production the emulator is never trusted: the guard refuses to start instead.
                if (auth.Mode == AuthMode.Firebase && !environment.IsProduction())
                {
                    auth.Firebase.EmulatorHost = AuthStartupGuard.EmulatorHost(configuration);
                }
            });
        // The guard runs again at start for configuration added after this call (e.g. by test factories).
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();

        services.AddHttpClient(FirebaseSigningKeys.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<FirebaseSigningKeys>();
        services.AddSingleton<DevTokenIssuer>();
        services.AddSingleton<FirebaseJwtBearerEvents>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, FirebaseSigningKeys, TimeProvider>((jwt, auth, signingKeys, timeProvider) =>
            {
                var firebase = auth.Value.Firebase;
                jwt.MapInboundClaims = false;
                jwt.TimeProvider = timeProvider;
                jwt.EventsType = typeof(FirebaseJwtBearerEvents);
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = firebase.Issuer,
                    ValidAudience = firebase.ProjectId,
                    ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                    // The emulator's tokens carry no signature; a signed token is still checked against the keys.
                    RequireSignedTokens = firebase.EmulatorHost is null,
                    RequireExpirationTime = true,
                    TryAllIssuerSigningKeys = false,
                    IssuerSigningKeyResolver = (_, _, kid, _) => signingKeys.Resolve(kid),
                    ClockSkew = ClockSkew,
                    LifetimeValidator = (notBefore, expires, token, parameters) =>
                        FirebaseJwtBearerEvents.ValidateLifetime(timeProvider, notBefore, expires, token, parameters),
                    NameClaimType = FirebaseClaimTypes.Subject,
                };
            });

        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        return builder;
    }
}
