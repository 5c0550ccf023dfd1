namespace Gateway.Policy;

/// <summary>A tool permission with its action types as a bit mask.</summary>
internal sealed class PermissionIndex
{
    public PermissionIndex(ToolPermission permission)
    {
        Permission = permission;
        foreach (var type in permission.ActionTypes)
        {
            ActionTypeMask |= 1 << (int)type;
        }
    }

    public ToolPermission Permission { get; }

    public int ActionTypeMask { get; }

    public bool Permits(ActionType type) => (ActionTypeMask & (1 << (int)type)) != 0;
}
