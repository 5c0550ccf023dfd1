namespace Gateway.Proxy.Security;

/// <summary>The wire names of <see cref="SecretSlot"/>: the audit record's <c>secret_slot</c> and the metric's tag.</summary>
public static class SecretSlots
{
    public static string WireName(this SecretSlot slot) => slot == SecretSlot.Next ? "next" : "current";
}
