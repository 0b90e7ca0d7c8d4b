// What the pixel routes of an app answer: its snippets, and how each event name is firing.
import { ApiProperty } from '@nestjs/swagger';
import type { PixelState } from '@app/domain';
import { PixelMonitorView } from '../apps/app.dto';

export class EventSnippetView {
  @ApiProperty({ example: 'purchase' }) name!: string;
  @ApiProperty({ description: 'Where on the site this event belongs.' }) where!: string;
  @ApiProperty({ description: 'The `<img>` for this event.' }) img!: string;
  @ApiProperty({ description: 'The web-tag call for this event.', example: "lookback('event', 'sign_up');" }) tag!: string;
}

export class TagCallsView {
  @ApiProperty({ example: "lookback('identify', 'USER_ID');" }) identify!: string;
  @ApiProperty({ example: "lookback('consent', { attribution: true, retargeting: true });" }) consent!: string;
}

export class PixelSnippetView {
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty({ example: 'https://track.example.com/p/0190f5c4-0000-7000-8000-000000000001.gif' }) url!: string;
  @ApiProperty({ description: 'A generic `<img>` with EVENT_NAME and USER_ID to fill.' }) snippet!: string;
  @ApiProperty({ description: 'The same as `snippet`.' }) img!: string;
  @ApiProperty({ description: 'The web tag (`/t.js`) and its queue stub, for the page head.' }) tag!: string;
  @ApiProperty({ type: TagCallsView }) tagCalls!: TagCallsView;
  @ApiProperty({ type: [EventSnippetView], description: "The app's accepted events, else the usual shop and sign-up events." })
  events!: EventSnippetView[];
  @ApiProperty({ description: 'A test hit (`test=1&debug=1`): checked and shown in health, never stored.' }) testUrl!: string;
  @ApiProperty({ type: [String], description: 'Placeholders the pixel refuses if left unfilled.', example: ['EVENT_NAME', 'USER_ID'] })
  placeholders!: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'Each query parameter of the pixel and what it means.' })
  parameters!: Record<string, string>;
  @ApiProperty({ type: [String], nullable: true, description: '`null`: any event name is accepted.' }) acceptedEvents!: string[] | null;
}

export class TallyView {
  @ApiProperty() lastHour!: number;
  @ApiProperty() lastDay!: number;
}

export class ReasonView extends TallyView {
  @ApiProperty({ format: 'date-time' }) lastAt!: Date;
}

export class RejectedView extends TallyView {
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/ReasonView' }, description: 'By reason, e.g. `event_not_accepted`.' })
  reasons!: Record<string, ReasonView>;
}

export class TestHitsView extends RejectedView {
  @ApiProperty({ type: Date, format: 'date-time', nullable: true }) lastAt!: Date | null;
  @ApiProperty({ description: 'Valid test hits in the last day.' }) accepted!: number;
}

export class MonitorStateView {
  @ApiProperty({ enum: ['firing', 'silent', 'rejecting'] }) state!: PixelState;
  @ApiProperty({ type: Date, format: 'date-time', nullable: true }) since!: Date | null;
  @ApiProperty({ example: 'no accepted hit for 60 minutes' }) detail!: string;
}

export class EventHealthView {
  @ApiProperty({ example: 'purchase' }) name!: string;
  @ApiProperty({ type: Date, format: 'date-time', nullable: true }) lastFiredAt!: Date | null;
  @ApiProperty({ type: TallyView }) accepted!: TallyView;
  @ApiProperty({ type: RejectedView }) rejected!: RejectedView;
  @ApiProperty({ type: TestHitsView, description: '`test=1` hits: never events, never in reports.' }) test!: TestHitsView;
  @ApiProperty({ type: MonitorStateView, nullable: true, description: '`null` when the pixel monitor does not watch this event.' })
  monitor!: MonitorStateView | null;
}

export class PixelHealthView {
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty({ type: [String], nullable: true }) acceptedEvents!: string[] | null;
  @ApiProperty({ type: PixelMonitorView, nullable: true }) pixelMonitor!: PixelMonitorView | null;
  @ApiProperty({ type: [EventHealthView] }) events!: EventHealthView[];
}
