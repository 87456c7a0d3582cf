using Scalar.AspNetCore;

namespace FocusSync.Api.Http;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and the interactive API page at <see cref="PagePath"/>.</summary>
public static class ApiDocs
{
    public const string PagePath = "/api";

    public static WebApplicationBuilder AddApiDocs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(openApi => openApi.AddSchemaTransformer((schema, context, _) =>
        {
            // A request record's generated schema knows neither its limits nor what may be left out or null.
            BodySchema.Find(context.JsonTypeInfo.Type)?.Describe(schema);
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(PagePath).AllowAnonymous();
        return app;
    }
}
