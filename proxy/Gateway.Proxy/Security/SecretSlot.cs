namespace Gateway.Proxy.Security;

/// <summary>Which of an agent's secrets signed a request (<c>current</c> or, during a rotation, <c>next</c>).</summary>
public enum SecretSlot
{
    /// <summary>The secret the bundle names <c>secret</c> (or, after <c>rotation_ends</c>, the next one, current in effect).</summary>
    Current,

    /// <summary>The secret the bundle names <c>next_secret</c>, during the rotation's window.</summary>
    Next,
}
