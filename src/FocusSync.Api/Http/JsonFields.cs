using System.Text.Json;
using System.Text.Json.Nodes;

namespace FocusSync.Api.Http;

/// <summary>
/// A JSON object body, parsed and checked to hold only decodable text, with the errors found in its fields:
/// <see cref="BodySchema"/> reads it field by field, so that every 400 names the field at fault (a wrong type
/// included) instead of failing on the first deserialisation error.
/// </summary>
public sealed class JsonFields
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false };
    private readonly JsonObject _body;

    private JsonFields(JsonObject body) => _body = body;

    public Dictionary<string, string[]> Errors { get; } = [];
    public bool IsValid => Errors.Count == 0;

    /// <summary>The body with its keys in ordinal order at every level: equal for bodies that differ only in key order or whitespace.</summary>
    public string Canonical => Sorted(_body)!.ToJsonString();

    public static async Task<(JsonFields? Fields, Dictionary<string, string[]>? Errors)> ReadAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, NodeOptions, DocumentOptions, cancellationToken);
            if (node is not JsonObject body)
            {
                return (null, new() { ["body"] = ["The body must be a JSON object."] });
            }

            return UnreadableText(body) is { } errors ? (null, errors) : (new JsonFields(body), null);
        }
        catch (JsonException ex)
        {
            return (null, new() { ["body"] = [$"The body is not valid JSON: {ex.Message}"] });
        }
        catch (InvalidOperationException)
        {
            // Thrown while parsing when a field name must be decoded (to find duplicates) and cannot be.
            return (null, new() { ["body"] = ["A field name is not valid Unicode."] });
        }
    }

    /// <summary>
    /// The parser checks a string value's syntax but decodes it only when it is read: an unpaired surrogate
    /// escape or invalid UTF-8 would fail later, deep in a handler. Every string is decoded here instead
    /// (field names are decoded while parsing, to find duplicates).
    /// </summary>
    private static Dictionary<string, string[]>? UnreadableText(JsonObject body)
    {
        foreach (var (name, value) in body)
        {
            try
            {
                Decode(value);
            }
            catch (InvalidOperationException)
            {
                return new() { [name] = [$"'{Problems.FieldName(name)}' holds text that is not valid Unicode."] };
            }
        }

        return null;
    }

    private static void Decode(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject fields:
                foreach (var (_, value) in fields)
                {
                    Decode(value);
                }

                break;
            case JsonArray items:
                foreach (var item in items)
                {
                    Decode(item);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                value.GetValue<string>();
                break;
        }
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject body => new JsonObject(body
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray items => new JsonArray([.. items.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    /// <summary>The names of the body's fields, in the order sent.</summary>
    public IEnumerable<string> Names => _body.Select(pair => pair.Key);

    /// <summary>Whether the body holds the field; <paramref name="value"/> is null when the field is JSON null.</summary>
    public bool TryGet(string name, out JsonNode? value) => _body.TryGetPropertyValue(name, out value);

    public void Fail(string name, string message) =>
        Errors[name] = Errors.TryGetValue(name, out var existing) ? [.. existing, message] : [message];
}
