using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Policy;

namespace Gateway.Connectors.Workspace;

/// <summary>
/// One item a writeback stores in a workspace: its name, its content, the data classes the decision was made on (the
/// catalog's, widened by the agent's declaration and by what the gateway detected in the content) and its writer. The
/// workspace store keeps the classes with the item and hands them back in its packs (<see cref="WorkspacePack"/>), so
/// that a later read returns the item only when policy lets the reader receive them.
/// </summary>
public sealed record WorkspaceItem
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The item's name in its scope (a writeback of the same name replaces it).</summary>
    public required string Name { get; init; }

    /// <summary>The content: a string or any JSON value, as written (redacted under a redact degrade).</summary>
    public required JsonElement Content { get; init; }

    /// <summary>The classes the writeback was decided on.</summary>
    public required DataClassSet DataClasses { get; init; }

    public required WorkspaceWriter WrittenBy { get; init; }

    /// <summary>
    /// The body sent to the store: <c>{"scope", "name", "content", "data_classes", "written_by": {"agent", "workspace",
    /// "request_id", "person"?, "run_id"?}}</c>, built by the gateway (the classes are the decision's, not the agent's alone).
    /// </summary>
    public byte[] ToJson(string scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("scope"u8, scope);
            writer.WriteString("name"u8, Name);
            writer.WritePropertyName("content"u8);
            Content.WriteTo(writer);
            writer.WriteStartArray("data_classes"u8);
            foreach (var dataClass in DataClassSets.ToList(DataClasses))
            {
                writer.WriteStringValue(WireNames.Of(dataClass));
            }

            writer.WriteEndArray();
            writer.WriteStartObject("written_by"u8);
            writer.WriteString("agent"u8, WrittenBy.Agent);
            writer.WriteString("workspace"u8, WrittenBy.Workspace);
            writer.WriteString("request_id"u8, WrittenBy.RequestId);
            if (WrittenBy.Person is { } person)
            {
                writer.WriteString("person"u8, person);
            }

            if (WrittenBy.RunId is { } run)
            {
                writer.WriteString("run_id"u8, run);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
