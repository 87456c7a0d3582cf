using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace FocusSync.Api.Http;

/// <summary>
/// Documents the query parameters and headers an endpoint reads itself (to validate them field by field),
/// so that the OpenAPI document and the API page know them.
/// </summary>
public static class OpenApiParameters
{
    public static TBuilder WithQueryParameter<TBuilder>(
        this TBuilder builder, string name, string description, string? format = null, params string[] values)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithParameter(ParameterLocation.Query, name, description, format, values);

    public static TBuilder WithHeaderParameter<TBuilder>(this TBuilder builder, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithParameter(ParameterLocation.Header, name, description, format: null, []);

    private static TBuilder WithParameter<TBuilder>(
        this TBuilder builder, ParameterLocation location, string name, string description, string? format, string[] values)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = location,
                Description = description,
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Format = format,
                    Enum = values.Length == 0 ? null : [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
                },
            });
            return Task.CompletedTask;
        });
}
