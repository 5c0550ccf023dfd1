namespace Gateway.Oversight.Notifications;

/// <summary>A tool's input schema as the loaded policy's catalog has it, so that a notification picks the key arguments the console shows (<see cref="Approvals.ApprovalKeyArguments"/>).</summary>
public interface IToolInputSchemas
{
    /// <summary>The input schema (JSON) of <paramref name="tenant"/>'s catalog entry <paramref name="tool"/>; null without a policy, entry or schema.</summary>
    string? InputSchemaOf(string tenant, string tool);
}
