@echo off
rem Bam dup de tong hop thi dua, khen thuong.
rem Tham so /tudong: chay khong cho bam phim (dung cho Task Scheduler).
chcp 65001 >nul
cd /d "%~dp0"
set PYTHONUTF8=1
if /i "%~1"=="/tudong" goto tudong
python process.py run
echo.
echo Bam phim bat ky de dong cua so.
pause >nul
exit /b
:tudong
python process.py run
exit /b %errorlevel%
