using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// What <see cref="JsonTokenWalk"/> hands on while it copies a document: the tokens redaction decides
/// (member names, string values, card numbers), each written by the handler, and where values and
/// containers begin and end, for a handler that follows the JSON path.
/// </summary>
internal interface IJsonTokenHandler
{
    /// <summary>A value begins (any token but a member name or the end of a container).</summary>
    void BeginValue();

    /// <summary>An object or array begins (after <see cref="BeginValue"/>, before it is written).</summary>
    void BeginContainer(bool isArray);

    /// <summary>The innermost object or array ends (before it is written).</summary>
    void EndContainer();

    /// <summary>Writes the member name the reader is on.</summary>
    void WritePropertyName(ref Utf8JsonReader reader, Utf8JsonWriter writer);

    /// <summary>Writes the string value the reader is on.</summary>
    void WriteString(ref Utf8JsonReader reader, Utf8JsonWriter writer);

    /// <summary>Writes what stands for a number that is a card number.</summary>
    void WriteCardNumber(Utf8JsonWriter writer);
}
