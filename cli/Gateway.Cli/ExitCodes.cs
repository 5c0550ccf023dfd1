namespace Gateway.Cli;

/// <summary><c>gatewayctl</c>'s exit codes.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The gateway refused the call; the problem's <c>code</c> is printed.</summary>
    public const int ApiError = 1;

    /// <summary>The command line or its input was invalid.</summary>
    public const int InvalidInput = 2;

    /// <summary>The gateway could not be reached.</summary>
    public const int Unreachable = 3;

    /// <summary><c>audit verify</c> found the chain broken.</summary>
    public const int ChainBroken = 4;
}
