using FocusSync.Cli;

return await FocusSyncCli.RunAsync(args, CliContext.FromConsole(), handleCtrlC: true);
