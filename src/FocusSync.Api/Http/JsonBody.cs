using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace FocusSync.Api.Http;

/// <summary>
/// A handler's JSON body, bound to the record <typeparamref name="T"/> by its <see cref="BodySchema"/>: the record
/// when every field is valid, otherwise one error per field at fault. Declaring the parameter also declares the
/// body to OpenAPI, where the same schema describes it.
/// </summary>
public sealed class JsonBody<T> : IBindableFromHttpContext<JsonBody<T>>, IEndpointParameterMetadataProvider
    where T : class
{
    private readonly JsonFields? _fields;

    private JsonBody(T? value, JsonFields? fields, Dictionary<string, string[]> errors)
    {
        Value = value;
        _fields = fields;
        Errors = errors;
    }

    public T? Value { get; }

    public Dictionary<string, string[]> Errors { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    public bool IsValid => Value is not null && Errors.Count == 0;

    /// <summary>The body with its keys in ordinal order at every level: equal for bodies that differ only in key order or whitespace.</summary>
    public string Canonical => _fields?.Canonical ?? "";

    /// <summary>Adds an error found outside the body (in a header) so that one problem lists them all.</summary>
    public void Fail(string field, string message) =>
        Errors[field] = Errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    [SuppressMessage("Design", "CA1000", Justification = "Minimal APIs call the binding interfaces' static members.")]
    public static async ValueTask<JsonBody<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var schema = BodySchema.Of(typeof(T));
        var (fields, errors) = await JsonFields.ReadAsync(context.Request, schema.BodyOptional, context.RequestAborted);
        return fields is null ? new JsonBody<T>(null, null, errors!) : Read(fields);
    }

    /// <summary>Reads fields that did not come as the request's body: an object inside one, or query parameters.</summary>
    [SuppressMessage("Design", "CA1000", Justification = "Read alike from a body, an object inside one, or a query.")]
    public static JsonBody<T> Read(JsonFields fields) =>
        new((T?)BodySchema.Of(typeof(T)).Read(fields), fields, fields.Errors);

    [SuppressMessage("Design", "CA1000", Justification = "Minimal APIs call the binding interfaces' static members.")]
    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
    {
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(T), BodySchema.Of(typeof(T)).BodyOptional));
        builder.Metadata.Add(new EndpointDescriptionAttribute(BodySchema.Of(typeof(T)).Description));
    }
}
