using System.Globalization;
using System.Text.Json;

namespace Gateway.Audit.Evidence;

/// <summary>The JSON of checkpoints and proofs, as the admin API, the witness and <c>gatewayctl audit prove</c> exchange them.</summary>
public static class EvidenceJson
{
    /// <summary><c>checkpoint</c> (the JWS) and its claims beside it: <c>tenant, replica, tree_size, root_hash, time</c>.</summary>
    public static void WriteCheckpointMembers(Utf8JsonWriter json, SignedCheckpoint checkpoint)
    {
        json.WriteString("checkpoint", checkpoint.Jws);
        json.WriteString("tenant", checkpoint.Claims.Tenant);
        json.WriteString("replica", checkpoint.Claims.Replica);
        json.WriteNumber("tree_size", checkpoint.Claims.TreeSize);
        json.WriteString("root_hash", checkpoint.Claims.RootHash);
        json.WriteString("time", checkpoint.Claims.Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }

    public static byte[] Checkpoint(SignedCheckpoint checkpoint) => Write(json =>
    {
        json.WriteStartObject();
        WriteCheckpointMembers(json, checkpoint);
        json.WriteEndObject();
    });

    public static byte[] Checkpoints(IReadOnlyList<SignedCheckpoint> checkpoints) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteStartArray("checkpoints");
        foreach (var checkpoint in checkpoints)
        {
            json.WriteStartObject();
            WriteCheckpointMembers(json, checkpoint);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    });

    /// <summary><c>{"kind":"inclusion","leaf_index","leaf_hash","path":[…],"record":"&lt;line&gt;","checkpoint":{…}}</c>.</summary>
    public static byte[] Inclusion(InclusionProof proof) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("kind", "inclusion");
        json.WriteNumber("leaf_index", proof.LeafIndex);
        json.WriteString("leaf_hash", proof.LeafHash);
        WritePath(json, proof.Path);
        json.WriteString("record", proof.Line);
        json.WriteStartObject("checkpoint");
        WriteCheckpointMembers(json, proof.Checkpoint);
        json.WriteEndObject();
        json.WriteEndObject();
    });

    /// <summary><c>{"kind":"consistency","path":[…],"first":{checkpoint…},"second":{checkpoint…}}</c>.</summary>
    public static byte[] Consistency(ConsistencyProof proof) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("kind", "consistency");
        WritePath(json, proof.Path);
        json.WriteStartObject("first");
        WriteCheckpointMembers(json, proof.First);
        json.WriteEndObject();
        json.WriteStartObject("second");
        WriteCheckpointMembers(json, proof.Second);
        json.WriteEndObject();
        json.WriteEndObject();
    });

    private static void WritePath(Utf8JsonWriter json, IReadOnlyList<string> path)
    {
        json.WriteStartArray("path");
        foreach (var node in path)
        {
            json.WriteStringValue(node);
        }

        json.WriteEndArray();
    }

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            write(json);
        }

        return stream.ToArray();
    }
}
