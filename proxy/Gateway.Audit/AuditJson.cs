using System.Text.Json.Serialization.Metadata;

namespace Gateway.Audit;

/// <summary>Serialisation metadata of the audit log's stored types, in the wire format (snake_case, nulls left out).</summary>
public static class AuditJson
{
    public static JsonTypeInfo<AuditRecord> AuditRecord => AuditJsonContext.Default.AuditRecord;
}
