using System.Runtime.CompilerServices;

namespace Gateway.Policy;

/// <summary>
/// Decision paths already made, shared (issue #52): an agent's requests for a tool run the same controls to the same
/// results, so most decisions' paths equal one made before, and each would be an array of eleven steps of its own. A
/// path handed out is never written to again (an explanation's list, read only), so sharing it changes no decision
/// and no explanation. Bounded: one path per slot, chosen by the path's content; a different path replaces it.
/// </summary>
internal static class DecisionPaths
{
    /// <summary>Room for a whole path on the stack while the controls run.</summary>
    [InlineArray(Length)]
    internal struct Buffer
    {
        public const int Length = 11;
        private ControlResult _first;
    }

    private const int Slots = 64;

    private static readonly ControlResult[]?[] s_slots = new ControlResult[]?[Slots];

    /// <summary>An array equal to <paramref name="path"/>: the one made before for an equal path, else a new one.</summary>
    public static ControlResult[] Share(ReadOnlySpan<ControlResult> path)
    {
        var hash = default(HashCode);
        foreach (var step in path)
        {
            hash.Add(step);
        }

        ref var slot = ref s_slots[(uint)hash.ToHashCode() % Slots];

        // Arrays in the slots are complete before they are published: a reader sees the old one or the new one whole.
        if (Volatile.Read(ref slot) is { } shared && path.SequenceEqual(shared))
        {
            return shared;
        }

        var made = path.ToArray();
        Volatile.Write(ref slot, made);
        return made;
    }
}
