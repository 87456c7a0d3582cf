using System.Collections.Concurrent;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace FocusSync.Api.Http;

/// <summary>The field is text a person writes, under the rule of that name in <see cref="StoredText"/>.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class TextAttribute(string rule) : Attribute
{
    public TextRule Rule { get; } =
        typeof(StoredText).GetField(rule, BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as TextRule
        ?? throw new ArgumentException($"{nameof(StoredText)} has no text rule named {rule}.", nameof(rule));
}

/// <summary>A field whose null means something (clear the value): <see cref="IsSet"/> is false when the body leaves it out.</summary>
public readonly record struct Optional<T>(T Value)
{
    public bool IsSet { get; } = true;
}

/// <summary>
/// What a request record accepts, read once from its constructor's parameters: each one is a field, named in
/// camelCase, with its limits in attributes — <see cref="RequiredAttribute"/>, <see cref="TextAttribute"/> or
/// <see cref="LengthAttribute"/> on text, <see cref="RangeAttribute"/> on numbers, any other validation attribute,
/// <see cref="DisallowNullAttribute"/> where a field may be left out but not set to null, and a
/// <see cref="DescriptionAttribute"/> where the limits alone do not say what the field holds. A record that is an
/// <see cref="IValidatableObject"/> adds its rules across fields. The same schema reads bodies, words their errors
/// and describes the record in the OpenAPI document.
/// </summary>
public sealed class BodySchema
{
    private static readonly ConcurrentDictionary<Type, BodySchema> Schemas = new();
    private readonly ConstructorInfo _constructor;
    private readonly BodyField[] _fields;
    private readonly string _allowed;

    private BodySchema(Type type)
    {
        _constructor = type.GetConstructors() is [var constructor]
            ? constructor
            : throw new InvalidOperationException($"{type.Name} must have one public constructor, whose parameters are its fields.");
        _fields = [.. _constructor.GetParameters().Select(p => new BodyField(type, p))];
        _allowed = string.Join(", ", _fields.Select(f => f.Name));
    }

    /// <summary>The fields in words, one sentence each, for the API description.</summary>
    public string Description => string.Join(" ", _fields.Select(f => $"'{f.Name}': {f.Description}."));

    public static BodySchema Of(Type type) => Schemas.GetOrAdd(type, t => new BodySchema(t));

    /// <summary>The schema of a type that request bodies are bound to, or null for any other type.</summary>
    internal static BodySchema? Find(Type type) => Schemas.GetValueOrDefault(type);

    /// <summary>The record the body holds, or null after recording in <see cref="JsonFields.Errors"/> every field at fault.</summary>
    public object? Read(JsonFields body)
    {
        foreach (var name in body.Names.Where(n => !_fields.Any(f => f.Name == n)))
        {
            body.Fail(name, $"'{Problems.FieldName(name)}' cannot be set here; allowed fields: {_allowed}.");
        }

        var record = _constructor.Invoke([.. _fields.Select(f => f.Read(body))]);
        if (record is IValidatableObject whole)
        {
            // A field already at fault has its own error; what a rule across fields says of it would only echo that.
            var faulty = body.Errors.Keys.ToHashSet();
            foreach (var result in whole.Validate(new ValidationContext(record)))
            {
                foreach (var member in result.MemberNames.Select(JsonNamingPolicy.CamelCase.ConvertName).Where(m => !faulty.Contains(m)))
                {
                    body.Fail(member, result.ErrorMessage ?? $"'{member}' is not valid.");
                }
            }
        }

        return body.IsValid ? record : null;
    }

    /// <summary>Makes <paramref name="schema"/>, generated for the record, say exactly what <see cref="Read"/> accepts.</summary>
    public void Describe(OpenApiSchema schema)
    {
        schema.Type = JsonSchemaType.Object;
        schema.AdditionalPropertiesAllowed = false;
        schema.AdditionalProperties = null;
        schema.Required = _fields.Where(f => f.IsRequired).Select(f => f.Name).ToHashSet();
        schema.Properties = _fields.ToDictionary(f => f.Name, f => (IOpenApiSchema)f.Schema());
    }

    private sealed class BodyField
    {
        private readonly Type _parameterType;
        private readonly Type _type;
        private readonly bool _isOptional;
        private readonly bool _disallowsNull;
        private readonly TextRule? _text;
        private readonly (long Min, long Max)? _range;
        private readonly ValidationAttribute[] _checks;
        private readonly string? _description;

        public BodyField(Type record, ParameterInfo parameter)
        {
            Name = JsonNamingPolicy.CamelCase.ConvertName(parameter.Name!);
            _parameterType = parameter.ParameterType;
            _isOptional = _parameterType.IsGenericType && _parameterType.GetGenericTypeDefinition() == typeof(Optional<>);
            var valueType = _isOptional ? _parameterType.GetGenericArguments()[0] : _parameterType;
            _type = Nullable.GetUnderlyingType(valueType) ?? valueType;
            IsRequired = parameter.IsDefined(typeof(RequiredAttribute));
            _disallowsNull = parameter.IsDefined(typeof(DisallowNullAttribute));
            _text = parameter.GetCustomAttribute<TextAttribute>()?.Rule
                ?? (parameter.GetCustomAttribute<LengthAttribute>() is { } length
                    ? new TextRule(length.MinimumLength, length.MaximumLength) { UnitsPerCharacter = 1 }
                    : null);
            _range = parameter.GetCustomAttribute<RangeAttribute>() is { } range
                ? (Convert.ToInt64(range.Minimum, CultureInfo.InvariantCulture), Convert.ToInt64(range.Maximum, CultureInfo.InvariantCulture))
                : null;
            _description = parameter.GetCustomAttribute<DescriptionAttribute>()?.Description;
            _checks = [.. parameter.GetCustomAttributes<ValidationAttribute>()
                .Where(a => a is not (RequiredAttribute or LengthAttribute or RangeAttribute))];

            // Every field is bounded: text by a length, a 32-bit number by a range that the column holds.
            var problem = _type switch
            {
                _ when _type == typeof(string) => _text is null ? "needs [Text] or [Length]" : null,
                _ when _type == typeof(int) => _range is null ? "needs [Range]" : null,
                _ when _type == typeof(long) || _type == typeof(bool) => null,
                _ => "must be text, a whole number or a boolean",
            };
            if (problem is not null)
            {
                throw new InvalidOperationException($"The field {record.Name}.{parameter.Name} {problem}.");
            }
        }

        public string Name { get; }
        public bool IsRequired { get; }

        private bool NullAllowed => !IsRequired && !_disallowsNull;

        public string Description
        {
            get
            {
                var description = _description is not null ? _description
                    : _type == typeof(string) ? _text!.Description
                    : _type == typeof(bool) ? "true or false"
                    : _range is (var min, var max) ? $"a whole number from {min} to {max}"
                    : "a whole number";
                var allowed = _checks.OfType<AllowedValuesAttribute>().FirstOrDefault();
                return (allowed is null ? description : $"one of {string.Join(", ", allowed.Values)}")
                    + (IsRequired ? "; required" : _isOptional ? "; null clears it" : "");
            }
        }

        /// <summary>The value to pass for this field; null (or an unset <see cref="Optional{T}"/>) when it is absent or at fault.</summary>
        public object? Read(JsonFields body)
        {
            var present = body.TryGet(Name, out var node);
            if (node is null)
            {
                if (IsRequired)
                {
                    body.Fail(Name, $"'{Name}' is required.");
                }
                else if (present && _disallowsNull)
                {
                    body.Fail(Name, $"'{Name}' cannot be null.");
                }

                return _isOptional && present ? Activator.CreateInstance(_parameterType, [null]) : Unset();
            }

            var value = ReadValue(node, body);
            return value is null ? Unset() : _isOptional ? Activator.CreateInstance(_parameterType, value) : value;
        }

        public OpenApiSchema Schema()
        {
            var schema = new OpenApiSchema { Description = Description };
            var nullable = NullAllowed ? JsonSchemaType.Null : 0;
            if (_type == typeof(string))
            {
                schema.Type = JsonSchemaType.String | nullable;
                schema.MinLength = _text!.MinLength > 0 ? _text.MinLength : null;
                schema.MaxLength = _text.MaxLength;
                schema.Pattern = _checks.OfType<RegularExpressionAttribute>().FirstOrDefault()?.Pattern;
                if (_checks.OfType<AllowedValuesAttribute>().FirstOrDefault() is { } allowed)
                {
                    schema.Enum = [.. allowed.Values.Select(v => JsonValue.Create(v?.ToString())!)];
                }
            }
            else if (_type == typeof(bool))
            {
                schema.Type = JsonSchemaType.Boolean | nullable;
            }
            else
            {
                schema.Type = JsonSchemaType.Integer | nullable;
                schema.Format = _type == typeof(int) ? "int32" : "int64";
                if (_range is (var min, var max))
                {
                    schema.Minimum = min.ToString(CultureInfo.InvariantCulture);
                    schema.Maximum = max.ToString(CultureInfo.InvariantCulture);
                }
            }

            return schema;
        }

        private object? Unset() => _isOptional ? Activator.CreateInstance(_parameterType) : null;

        private object? ReadValue(JsonNode node, JsonFields body)
        {
            var value = node as JsonValue;
            object? read;
            if (_type == typeof(string))
            {
                read = value is not null && value.TryGetValue<string>(out var text)
                    ? _text!.Problem(Name, text) is { } problem ? Fail(body, problem) : text
                    : Fail(body, $"'{Name}' must be a string.");
            }
            else if (_type == typeof(bool))
            {
                read = value is not null && value.TryGetValue<bool>(out var flag) ? flag : Fail(body, $"'{Name}' must be true or false.");
            }
            else if (value is null || value.GetValueKind() != JsonValueKind.Number || !value.TryGetValue<long>(out var number))
            {
                read = Fail(body, $"'{Name}' must be a whole number.");
            }
            else if (_range is (var min, var max) && (number < min || number > max))
            {
                read = Fail(body, $"'{Name}' must be a whole number from {min} to {max}.");
            }
            else
            {
                read = _type == typeof(int) ? (object)(int)number : number;
            }

            return read is null ? null : Check(read, body);
        }

        private object? Check(object value, JsonFields body)
        {
            foreach (var check in _checks)
            {
                var context = new ValidationContext(value) { DisplayName = Name, MemberName = Name };
                if (check.GetValidationResult(value, context) is { } failed)
                {
                    return Fail(body, check switch
                    {
                        AllowedValuesAttribute allowed => $"'{Name}' must be one of {string.Join(", ", allowed.Values)}.",
                        RegularExpressionAttribute pattern => $"'{Name}' must be {_description ?? $"text matching {pattern.Pattern}"}.",
                        _ => failed.ErrorMessage ?? $"'{Name}' is not valid.",
                    });
                }
            }

            return value;
        }

        private object? Fail(JsonFields body, string message)
        {
            body.Fail(Name, message);
            return null;
        }
    }
}
