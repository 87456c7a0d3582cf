using System.Text.Json;
using System.Text.Json.Serialization;

namespace FocusSync.Api.Realtime;

/// <summary>
/// A <see cref="ChangeEvent"/> already serialised by <see cref="ChangeFeedWriter"/>, which the hub writes as it is:
/// the event is serialised once for the feed and every connection, and the hub cannot send other bytes than the feed holds.
/// </summary>
[JsonConverter(typeof(SerializedChangeEventConverter))]
public sealed class SerializedChangeEvent(string json)
{
    public string Json { get; } = json;
}

/// <summary>Writes the stored JSON unchanged; the server never reads an event.</summary>
internal sealed class SerializedChangeEventConverter : JsonConverter<SerializedChangeEvent>
{
    public override SerializedChangeEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("The server only sends change events.");

    // Written by this service's own serializer with the hub's encoder, so it needs no validation.
    public override void Write(Utf8JsonWriter writer, SerializedChangeEvent value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Json, skipInputValidation: true);
}
